import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { seedDemo } from './demo-seed.js';
import { GitHubSim } from './github-sim.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3900' },
    host: { type: 'string', default: '127.0.0.1' },
    'webhook-url': { type: 'string' },
    'webhook-secret': { type: 'string' },
    'setup-url': { type: 'string' },
    'callback-url': { type: 'string' },
    'print-key': { type: 'boolean', default: false },
    'print-credentials': { type: 'boolean', default: false },
    'tls-key': { type: 'string' },
    'tls-cert': { type: 'string' },
    'no-rate-limits': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`github-sim: a GitHub (Enterprise Server shaped) simulator with a demo seed

  --port N             port to listen on (default 3900; 0 picks one)
  --host H             address to bind (default 127.0.0.1)
  --webhook-url URL    where the demo app's webhooks go
  --webhook-secret S   the demo app's webhook secret
  --setup-url URL      the demo app's Setup URL
  --callback-url URL   the demo app's callback URL
  --print-key          print the demo app's generated private key
  --print-credentials  print every demo secret: the app's id, client id and secret, webhook secret and private
                       key, and each demo user's classic token (ghp_) and user token for the app (ghu_, 8 h).
                       Never printed by default: anyone who reads the output can act as those users.
  --tls-key FILE       serve HTTPS with this PEM key (with --tls-cert), as a GHES host is reached by gh
  --tls-cert FILE      the PEM certificate for --tls-key
  --no-rate-limits     act as a GHES with rate limiting turned off (GET /rate_limit answers 404)`);
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got "${values.port}"`);
  process.exit(2);
}

if (Boolean(values['tls-key']) !== Boolean(values['tls-cert'])) {
  console.error('--tls-key and --tls-cert go together: give both, or neither');
  process.exit(2);
}
let tls: { key: string; cert: string } | undefined;
try {
  if (values['tls-key'] && values['tls-cert'])
    tls = { key: readFileSync(values['tls-key'], 'utf8'), cert: readFileSync(values['tls-cert'], 'utf8') };
} catch (error) {
  console.error(`could not read the TLS key or certificate: ${(error as Error).message}`);
  process.exit(2);
}

const sim = await GitHubSim.start({
  port,
  host: values.host,
  rateLimits: values['no-rate-limits'] ? { enabled: false } : {},
  ...(tls ? { tls } : {}),
});
const demo = seedDemo(sim, {
  webhookUrl: values['webhook-url'] ?? null,
  webhookSecret: values['webhook-secret'] ?? null,
  setupUrl: values['setup-url'] ?? null,
  callbackUrls: values['callback-url'] ? [values['callback-url']] : [],
});

console.log(`github-sim listening
  web and git:  ${sim.webUrl}
  REST API:     ${sim.apiUrl}
  demo app:     ${demo.app.name} (id ${demo.app.id}, client id ${demo.app.clientId}, slug ${demo.app.slug})
  install page: ${sim.webUrl}/github-apps/${demo.app.slug}/installations/new
  users:        ada (admin of tisket-com), bob (member of tisket-com), cyd (admin of acme-corp)
  controls:     GET ${sim.webUrl}/_sim/state, GET /_sim/counters, POST /_sim/faults, PUT /_sim/clock`);
if (values['print-credentials']) {
  const lines = [
    'credentials (secrets: keep this output to yourself)',
    `  app id:          ${demo.app.id}`,
    `  client id:       ${demo.app.clientId}`,
    `  client secret:   ${demo.app.clientSecret}`,
    `  webhook secret:  ${demo.app.webhookSecret ?? '(none; pass --webhook-secret)'}`,
  ];
  for (const [login, pat] of Object.entries(demo.personalAccessTokens)) {
    const userToken = sim.world.issueUserTokens(demo.app, sim.store.requireUser(login)).access.value;
    lines.push(`  ${login.padEnd(4)} classic token: ${pat}   user token for ${demo.app.slug}: ${userToken}`);
  }
  console.log(lines.join('\n'));
  console.log(demo.privateKey);
} else if (values['print-key']) console.log(demo.privateKey);
else console.log("  (pass --print-credentials to print the demo app's secrets and the demo users' tokens)");

const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
