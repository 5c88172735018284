/** A figure measured over several rounds: its median with the spread (min and max), never a best-of. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spread(values: number[]): Spread {
  if (values.length === 0) throw new Error('a figure needs at least one round');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values };
}

/** The p-th percentile (0-100) of samples, nearest rank. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: number[]): number {
  return percentile(samples, 50);
}

/** A number with about three significant digits, thousands grouped; no false precision. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  return value.toPrecision(2);
}

/** `median [min-max]` in the unit given. */
export function showSpread(s: Spread, unit = ''): string {
  const u = unit ? ` ${unit}` : '';
  if (s.values.length === 1) return `${num(s.median)}${u}`;
  return `${num(s.median)}${u} [${num(s.min)}–${num(s.max)}]`;
}

export function showRatio(s: Spread): string {
  if (s.values.length === 1) return `${num(s.median)}x`;
  return `${num(s.median)}x [${num(s.min)}–${num(s.max)}]`;
}
