import { startHubgate } from '../compose/start-hubgate.js';

/** `hubgate serve`: starts the service and says where it is; stops on SIGINT/SIGTERM. */
export async function serve(): Promise<void> {
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
}
