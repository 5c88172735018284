/**
 * Group commit for a hot write path: items added while the event loop is busy (one poll phase: the requests that
 * arrived together) are written by one statement, and each caller gets its own item's result. Hand-written rather
 * than DataLoader: that library is for reads by key (it caches, and treats equal keys as one), and a write's
 * outcome per item (taken, duplicate) is ours to decide.
 */
export class WriteBatcher<I, O> {
  private queue: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 200,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush() {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.write(batch.map((b) => b.item)).then(
        (results) => batch.forEach((b, i) => b.resolve(results[i]!)),
        (error: unknown) => {
          if (batch.length === 1) return batch[0]!.reject(error);
          // One bad item must not fail the others: each is written alone, and only its own error is returned.
          for (const b of batch) this.write([b.item]).then((results) => b.resolve(results[0]!), b.reject);
        },
      );
    }
  }
}
