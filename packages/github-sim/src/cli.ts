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
  --no-rate-limits     act as a GHES with rate limiting turned off (GET /rate_limit answers 404)`);
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got "${values.port}"`);
  process.exit(2);
}

const sim = await GitHubSim.start({
  port,
  host: values.host,
  rateLimits: values['no-rate-limits'] ? { enabled: false } : {},
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
if (values['print-key']) console.log(demo.privateKey);
else console.log("  (pass --print-key to print the demo app's private key)");

const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
