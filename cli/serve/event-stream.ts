/**
 * Server-Sent Events for `GET /api/events`: each message is written to every open stream as
 * it happens, in order, numbered. A stream that stops reading is dropped once it has
 * `maxBufferedBytes` unsent (it may reconnect and take the snapshot again) rather than let one
 * slow client hold the server's memory.
 */
import type { Request, Response } from 'express';

export interface StreamMessage {
  event: string;
  data: unknown;
}

export interface EventStreamOptions {
  /** A comment line this often keeps proxies and idle timeouts from closing the stream. */
  heartbeatMs?: number;
  maxBufferedBytes?: number;
}

function frame(message: StreamMessage, id?: number): string {
  // JSON never holds a raw newline, so the data is always one `data:` line.
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

export class EventStream {
  private readonly clients = new Set<Response>();
  private sequence = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxBufferedBytes: number;

  constructor(options: EventStreamOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.heartbeat = setInterval(() => this.writeAll(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Opens a stream: the snapshot's messages first, then every message sent from now on. */
  attach(req: Request, res: Response, snapshot: readonly StreamMessage[]): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 2000\n\n`);
    // The snapshot is this stream's own: unnumbered, so the ids count the changes everyone sees.
    for (const message of snapshot) res.write(frame(message));
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  send(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    this.writeAll(frame({ event, data }, ++this.sequence));
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private writeAll(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > this.maxBufferedBytes) {
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(text);
    }
  }
}
