/**
 * Following GET /api/events. Read with fetch rather than EventSource so that a bearer token
 * (`dendrite serve --token`, given to the page as `#token=…`) can go in a header. Each
 * connection begins with the server's snapshot (unnumbered messages), so a reconnect
 * starts the picture afresh (`onReset`).
 */

export interface StreamHandlers {
  onReset(): void;
  onMessage(event: string, data: unknown): void;
  onState(state: 'live' | 'reconnecting' | 'refused', detail?: string): void;
}

function parseFrame(frame: string): { event: string; data: string } | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length > 0 ? { event, data: data.join('\n') } : null;
}

export function follow(url: string, headers: Record<string, string>, handlers: StreamHandlers, retryMs = 2000): void {
  const connect = async () => {
    try {
      const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, cache: 'no-store' });
      if (response.status === 401 || response.status === 403) {
        handlers.onState('refused', `${response.status}: ${(await response.text()).slice(0, 200)}`);
        return;
      }
      if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
      handlers.onReset();
      handlers.onState('live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = parseFrame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (!frame) continue;
          let data: unknown;
          try {
            data = JSON.parse(frame.data);
          } catch {
            continue; // not ours to show
          }
          handlers.onMessage(frame.event, data);
        }
      }
    } catch {
      // dropped or unreachable: try again below
    }
    handlers.onState('reconnecting');
    setTimeout(() => void connect(), retryMs);
  };
  void connect();
}
