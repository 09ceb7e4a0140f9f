/** A small Server-Sent Events reader for tests: every message as it arrives, parsed as the spec says. */

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export interface SseStream {
  readonly messages: SseMessage[];
  /** Resolves when the stream is over: ended by the server, dropped, or closed here. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  const messages: SseMessage[] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = { event: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line === '' || line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') data.push(text);
            else if (field === 'event') message.event = text;
            else if (field === 'id') message.id = text;
          }
          if (data.length === 0) continue; // `retry:` and comments dispatch nothing
          message.data = data.join('\n');
          messages.push(message);
        }
      }
    } catch {
      // Aborted by close(), or the connection ended without a final chunk ("terminated"): the stream is over either way.
    }
  })();
  return { messages, ended, close: () => abort.abort() };
}
