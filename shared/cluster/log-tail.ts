/**
 * The last N bytes of a container log, read through an API that cannot say "last N bytes".
 *
 * The pod log endpoint offers `tailLines` (the last L lines) and `limitBytes`, but the kubelet
 * applies `limitBytes` *after* `tailLines` and keeps the *beginning*: asking for
 * `limitBytes=N` alone returns the first N bytes of the log, which misses the outputs block an
 * agent prints at the end. So we ask for a window of whole lines that ends at the end of the
 * log, capped at N bytes; when the cap cut the window short, the window was too wide, and we
 * narrow it (guided by how many lines fitted) until it fits. Each request transfers at most N
 * bytes, memory stays bounded, and the result always ends where the log ends and starts on a
 * line boundary. A typical log takes one request; a log of many lines two or three.
 */

/** One read: the last `tailLines` lines of the log, cut to its first `limitBytes` bytes. */
export type LogWindowReader = (tailLines: number, limitBytes: number) => Promise<string>;

export async function readLogTail(read: LogWindowReader, tailBytes: number): Promise<string> {
  if (!Number.isSafeInteger(tailBytes) || tailBytes < 1) {
    throw new RangeError(`tailBytes must be a positive integer, got ${tailBytes}`);
  }
  // Every line holds at least its newline, so a window of more lines than bytes cannot fit.
  let lines = tailBytes;
  for (;;) {
    const text = await read(lines, tailBytes);
    // A cut inside a multi-byte character decodes to U+FFFD, which is never shorter than the
    // bytes it replaces, so a cut window always measures at least tailBytes here.
    if (Buffer.byteLength(text) < tailBytes) return text;
    // One line longer than the whole budget: its beginning is all the API can give.
    if (lines === 1) return text;
    const fitted = countNewlines(text);
    lines = Math.max(1, Math.min(Math.floor(lines / 2), Math.floor((fitted * 3) / 4)));
  }
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
