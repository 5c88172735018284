import { runGitCredential } from '@hubgate/github-auth';
import { ConfigError } from '../config.js';
import { startHubgate } from '../compose/start-hubgate.js';
import { runDoctor } from './doctor.js';
import { runSetup } from './setup.js';

const usage = `hubgate <command>

  serve            start the service (the sandbox when no GitHub App is configured)
  doctor           check the key, the app id, clock skew with GitHub, the webhook secret and the database
  git-credential   git credential helper (get | store | erase)`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (command === 'serve') {
    const running = await startHubgate();
    const lines = [`hubgate is running: open ${running.url}/workspace/settings/repos`];
    if (running.sandbox) {
      lines.push(
        `  sandbox: simulated GitHub at ${running.sandbox.sim.webUrl} (REST ${running.sandbox.sim.apiUrl})`,
        '  sign in as Ada (admin, org_01TISKET), Bob (member), or Cyd (admin, org_02ACME); on the simulated GitHub pick the same person (ada, bob, cyd)',
      );
    }
    console.log(lines.join('\n'));
    const stop = async () => {
      await running.close();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }
  if (command === 'setup') {
    const flag = (name: string) => {
      const i = rest.indexOf(`--${name}`);
      return i >= 0 ? rest[i + 1] : undefined;
    };
    const publicUrl = flag('public-url') ?? process.env.PUBLIC_URL;
    if (!publicUrl) throw new Error('hubgate setup needs --public-url (or PUBLIC_URL): where GitHub will reach hubgate');
    const setup = await runSetup({
      publicUrl,
      apiUrl: flag('api-url') ?? process.env.GITHUB_API_URL,
      webUrl: flag('web-url') ?? process.env.GITHUB_WEB_URL,
      organization: flag('org'),
      name: flag('name'),
      outFile: flag('out'),
      port: flag('port') ? Number(flag('port')) : undefined,
    });
    await setup.done;
    return;
  }
  if (command === 'reconcile') {
    const i = rest.indexOf('--org');
    const running = await startHubgate({ env: { ...process.env, PORT: '0', HUBGATE_RECONCILE_INTERVAL_SECONDS: '0' } });
    try {
      if (running.sandbox) throw new Error('reconcile needs a configured GitHub App (the sandbox lives in memory)');
      const report = await running.reconcile.run(i >= 0 ? { organizationId: rest[i + 1] } : {});
      console.log(JSON.stringify(report, null, 2));
    } finally {
      await running.close();
    }
    return;
  }
  if (command === 'doctor') {
    process.exitCode = await runDoctor(process.env);
    return;
  }
  if (command === 'git-credential') {
    let stdin = '';
    if (!process.stdin.isTTY) for await (const chunk of process.stdin) stdin += chunk;
    const result = await runGitCredential(rest[0], { stdin, env: process.env });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.exitCode;
    return;
  }
  console.error(usage);
  process.exitCode = command ? 2 : 0;
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`hubgate: ${(error as Error).message}`);
  process.exit(1);
});
