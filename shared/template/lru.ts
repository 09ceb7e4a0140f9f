/**
 * A small bounded cache (least recently used is evicted), keyed by template content. The text
 * itself is the key: a JS Map hashes string keys once per string, which is cheaper than a
 * cryptographic digest on every render and just as exact.
 */

export class Lru<V> {
  private readonly map = new Map<string, V>();
  private newest: string | undefined;

  constructor(readonly capacity: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined && key !== this.newest) {
      this.newest = key;
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    this.newest = key;
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }
}
