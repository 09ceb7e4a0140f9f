/**
 * The end of an agent's combined stdout+stderr, as a pod log keeps it: bounded, so a chatty
 * agent cannot grow the process without limit; the output block is at the end anyway.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Compact only once well over the limit, so appends stay cheap.
    if (this.size > this.maxBytes * 2) {
      const all = Buffer.concat(this.chunks);
      const kept = all.subarray(all.length - this.maxBytes);
      this.chunks = [kept];
      this.size = kept.length;
    }
  }

  /** The last `bytes` bytes (at most what is kept), as text. */
  tail(bytes: number): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - Math.min(bytes, this.maxBytes))).toString('utf8');
  }
}
