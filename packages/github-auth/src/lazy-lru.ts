import { LRUCache } from 'lru-cache';

/**
 * An LRU bounded to `max` entries that allocates as it fills. lru-cache's `max` preallocates its arrays for
 * every slot: milliseconds and hundreds of KB at start for a process that may hold a handful of entries (the
 * git helper runs once per git operation). Counted through `maxSize` it grows with its content and evicts the
 * least recently used entry the same way (dispose reason 'evict').
 */
export function lazyLru<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(
  max: number,
  dispose?: (value: V, key: K, reason: LRUCache.DisposeReason) => void,
): LRUCache<K, V> {
  return new LRUCache<K, V>({ maxSize: max, sizeCalculation: () => 1, ...(dispose ? { dispose } : {}) });
}
