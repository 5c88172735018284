import { Counter, Histogram, type Registry } from 'prom-client';

export interface ReconcileMetrics {
  runs: Counter<'outcome'>;
  duration: Histogram;
  changes: Counter<'kind'>;
  redelivered: Counter;
}

/** Runs, their duration, what they found by kind, and deliveries GitHub was asked to send again. */
export function createReconcileMetrics(registry: Registry): ReconcileMetrics {
  return {
    runs: new Counter({ name: 'hubgate_reconcile_runs_total', help: 'Reconcile runs by outcome', labelNames: ['outcome'], registers: [registry] }),
    duration: new Histogram({ name: 'hubgate_reconcile_duration_seconds', help: 'Reconcile run duration', registers: [registry] }),
    changes: new Counter({ name: 'hubgate_reconcile_changes_total', help: 'Differences found by reconcile, by kind', labelNames: ['kind'], registers: [registry] }),
    redelivered: new Counter({ name: 'hubgate_reconcile_redelivered_total', help: 'Failed webhook deliveries GitHub was asked to redeliver', registers: [registry] }),
  };
}
