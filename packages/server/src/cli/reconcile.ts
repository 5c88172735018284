import { startHubgate } from '../compose/start-hubgate.js';

/** `hubgate reconcile`: one reconcile pass now (all tenants, or one organization), its report as JSON. */
export async function reconcile(organizationId: string | undefined): Promise<void> {
  const running = await startHubgate({ env: { ...process.env, PORT: '0', HUBGATE_RECONCILE_INTERVAL_SECONDS: '0' } });
  try {
    if (running.sandbox) throw new Error('reconcile needs a configured GitHub App (the sandbox lives in memory)');
    const report = await running.reconcile.run(organizationId ? { organizationId } : {});
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await running.close();
  }
}
