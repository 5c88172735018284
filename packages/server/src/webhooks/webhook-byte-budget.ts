/**
 * The bytes of webhook bodies held at once, across requests, before their signature is checked. Each request
 * reserves what it declares (or the 25 MB most a chunked one may send) and gives it back when answered; beyond
 * the budget a delivery is answered 503 at once, which GitHub's redelivery and reconcile recover, instead of
 * letting parallel unsigned bodies exhaust the service's memory.
 */
export class WebhookByteBudget {
  private held = 0;

  constructor(readonly limitBytes: number) {}

  /** Reserves `bytes`; false when that would pass the budget (nothing is reserved then). */
  reserve(bytes: number): boolean {
    if (this.held + bytes > this.limitBytes) return false;
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}
