import type { ProductEvent, ProductEventName } from './product-event.js';

type Handler<E extends string> = (event: ProductEvent<E>) => unknown;

/**
 * The library's in-process subscription: `hub.events.on('push', handler)`. Register on every replica before the
 * service starts taking webhooks: the outbox keeps an in-process row only while some handler is registered. A
 * handler that throws makes the event due again (at least once): make it idempotent by `event.id`.
 */
export class LocalHandlers {
  private readonly handlers = new Map<string, Set<Handler<string>>>();

  on<E extends ProductEventName | '*'>(event: E, handler: Handler<E extends '*' ? string : E>): () => void {
    const set = this.handlers.get(event) ?? new Set();
    set.add(handler as Handler<string>);
    this.handlers.set(event, set);
    return () => set.delete(handler as Handler<string>);
  }

  get any(): boolean {
    for (const set of this.handlers.values()) if (set.size > 0) return true;
    return false;
  }

  /** Runs every handler of the event (and the `*` ones), one after the other; the first throw fails the delivery. */
  async dispatch(event: ProductEvent): Promise<void> {
    for (const handler of [...(this.handlers.get(event.event) ?? []), ...(this.handlers.get('*') ?? [])]) await handler(event);
  }
}
