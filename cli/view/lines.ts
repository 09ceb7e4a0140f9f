/** Cuts a stream of chunks into whole lines, per source, keeping a partial line until it ends. */
export class LineSplitter {
  private readonly partial = new Map<string, string>();

  constructor(private readonly emit: (source: string, line: string) => void) {}

  push(source: string, chunk: string): void {
    const text = (this.partial.get(source) ?? '') + chunk;
    const lines = text.split('\n');
    this.partial.set(source, lines.pop() ?? '');
    for (const line of lines) this.emit(source, line.replace(/\r$/, ''));
  }

  /** Emits what is left of unfinished lines. */
  flush(): void {
    for (const [source, rest] of this.partial) if (rest !== '') this.emit(source, rest);
    this.partial.clear();
  }
}
