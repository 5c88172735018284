import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { type Command, commands, usage } from './usage.js';

/** Each command's options (`--help` is everyone's); git passes its operation as a positional argument. */
const optionsOf: Record<Command, Record<string, { type: 'string' }>> = {
  serve: {},
  doctor: {},
  migrate: {},
  setup: {
    'public-url': { type: 'string' },
    'api-url': { type: 'string' },
    'web-url': { type: 'string' },
    org: { type: 'string' },
    name: { type: 'string' },
    out: { type: 'string' },
    port: { type: 'string' },
  },
  reconcile: { org: { type: 'string' } },
  'git-credential': {},
  mcp: {},
};

/** Runs one command; the others' modules are not even loaded. */
async function run(command: Command, values: Record<string, string | undefined>, args: string[]): Promise<void> {
  if (command === 'serve') {
    const { serve } = await import('./serve.js');
    return serve();
  }
  if (command === 'doctor') {
    const { runDoctor } = await import('./doctor.js');
    process.exitCode = await runDoctor(process.env);
    return;
  }
  if (command === 'migrate') {
    const { migrate } = await import('./migrate.js');
    return migrate(process.env);
  }
  if (command === 'setup') {
    const publicUrl = values['public-url'] ?? process.env.PUBLIC_URL;
    if (!publicUrl) throw new Error('hubgate setup needs --public-url (or PUBLIC_URL): where GitHub will reach hubgate');
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
      throw new Error(`--port must be a port number, got "${values.port}"`);
    const { runSetup } = await import('./setup.js');
    const setup = await runSetup({
      publicUrl,
      apiUrl: values['api-url'] ?? process.env.GITHUB_API_URL,
      webUrl: values['web-url'] ?? process.env.GITHUB_WEB_URL,
      organization: values.org,
      name: values.name,
      outFile: values.out,
      port,
    });
    await setup.done;
    return;
  }
  if (command === 'reconcile') {
    const { reconcile } = await import('./reconcile.js');
    return reconcile(values.org);
  }
  if (command === 'mcp') {
    const { runMcpBridge } = await import('./mcp.js');
    return runMcpBridge(process.env);
  }
  const { runGitCredential } = await import('@hubgate/github-auth');
  let stdin = '';
  if (!process.stdin.isTTY) for await (const chunk of process.stdin) stdin += chunk;
  const result = await runGitCredential(args[0], { stdin, env: process.env });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}

async function main(argv: string[]) {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic !== undefined && !(commands as readonly string[]).includes(topic)) {
      console.error(`hubgate: no command "${topic}"\n\n${usage()}`);
      process.exitCode = 2;
      return;
    }
    console.log(usage(topic as Command | undefined));
    return;
  }
  if (first === '--version' || first === '-v') {
    const { createRequire } = await import('node:module');
    console.log((createRequire(import.meta.url)('../../package.json') as { version: string }).version);
    return;
  }
  if (!(commands as readonly string[]).includes(first)) {
    console.error(`hubgate: no command "${first}"\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const command = first as Command;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { help: { type: 'boolean', short: 'h' }, ...optionsOf[command] },
    allowPositionals: command === 'git-credential',
    strict: true,
  });
  if (values.help) {
    console.log(usage(command));
    return;
  }
  await run(command, values as Record<string, string | undefined>, positionals);
}

// The packages target the LTS lines (22.12+, 24); older ones run, but are past their end of life and untested.
const [nodeMajor, nodeMinor] = process.versions.node.split('.').map(Number) as [number, number];
if (nodeMajor < 22 || (nodeMajor === 22 && nodeMinor < 12))
  console.error(`hubgate: Node ${process.versions.node} is past its end of life or older than hubgate supports; use Node 22.12+ or 24 (LTS).`);

main(process.argv.slice(2)).catch((error) => {
  if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`hubgate: ${(error as Error).message}\n(hubgate <command> --help lists the options)`);
    process.exit(2);
  }
  console.error(error instanceof ConfigError ? error.message : `hubgate: ${(error as Error).message}`);
  process.exit(1);
});
