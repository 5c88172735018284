/** The simulator's notion of "now": real time plus a settable offset, or a manual clock for fake-time runs. */
export interface SimClock {
  now(): number;
  /** Shift the simulator's clock relative to the caller's (clock-skew tests). */
  setOffsetMs(offsetMs: number): void;
  /** Move a manual clock forward; on a real clock this adds to the offset. */
  advance(ms: number): void;
}

export function createSimClock(options: { start?: number; manual?: boolean } = {}): SimClock {
  let offset = 0;
  let manualNow = options.start ?? Date.now();
  const manual = options.manual ?? false;
  return {
    now: () => (manual ? manualNow : Date.now()) + offset,
    setOffsetMs: (ms) => {
      offset = ms;
    },
    advance: (ms) => {
      if (manual) manualNow += ms;
      else offset += ms;
    },
  };
}
