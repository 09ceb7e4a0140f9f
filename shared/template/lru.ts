/**
 * A small bounded cache (least recently used is evicted), keyed by template content. The text
 * itself is the key: a JS Map hashes string keys once per string, which is cheaper than a
 * cryptographic digest on every render and just as exact.
 *
 * Bounded by entries and by weight (an estimate of the memory an entry keeps): a compiled
 * template at the source limit can keep tens of MB, so a count alone would let distinct large
 * templates fill the process. An entry heavier than the whole budget is not kept at all.
 */

/** What each template cache may keep, in estimated bytes. */
export const CACHE_BYTES = 32 * 1024 * 1024;

export class Lru<V> {
  private readonly map = new Map<string, { v: V; weight: number }>();
  private newest: string | undefined;
  private total = 0;

  constructor(
    readonly capacity: number,
    readonly maxWeight = Infinity,
  ) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (e !== undefined && key !== this.newest) {
      this.newest = key;
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.map.delete(key);
      this.map.set(key, e);
    }
    return e?.v;
  }

  set(key: string, v: V, weight = 0): void {
    this.delete(key);
    if (weight > this.maxWeight) return;
    this.map.set(key, { v, weight });
    this.total += weight;
    this.newest = key;
    while (this.map.size > this.capacity || this.total > this.maxWeight) this.delete(this.map.keys().next().value as string);
  }

  private delete(key: string): void {
    const e = this.map.get(key);
    if (e === undefined) return;
    this.map.delete(key);
    this.total -= e.weight;
    if (key === this.newest) this.newest = undefined;
  }

  get size(): number {
    return this.map.size;
  }

  /** The summed weight of the entries kept. */
  get weight(): number {
    return this.total;
  }
}
