/**
 * Reading a request body into one Buffer, bounded: a declared Content-Length over the limit is
 * refused before a byte is read, and a body that grows past it (chunked, or inflated from
 * gzip/deflate/br) is refused as soon as it does, so neither a large body nor a small
 * compression bomb ever sits in memory.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** A body that cannot be taken; `status` is the 4xx to answer with. */
export class BodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

export const DEFAULT_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

function decoded(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  switch (encoding) {
    case 'identity':
    case '':
      return req;
    case 'gzip':
    case 'x-gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      throw new BodyError(`unsupported content encoding "${encoding}": send identity, gzip, deflate or br`, 415);
  }
}

const tooLarge = (limitBytes: number) => new BodyError(`request body too large (limit ${limitBytes} bytes)`, 413);

const aborted = () => new BodyError('request aborted', 400);

export function readBody(req: IncomingMessage, limitBytes = DEFAULT_BODY_LIMIT_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  // Gone before it was read (a sender that gave up while the app was still loading): no more
  // events will come from it, so waiting for them would wait forever.
  if (req.destroyed && !req.complete) return Promise.reject(aborted());
  let stream: Readable;
  try {
    stream = decoded(req);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      // Stop reading; the answer goes out with Connection: close (see sendJson's callers).
      if (stream !== req) stream.destroy();
      req.unpipe();
      reject(err);
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      length += chunk.length;
      if (length > limitBytes) return fail(tooLarge(limitBytes));
      chunks.push(chunk);
    });
    stream.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
    });
    stream.once('error', (err) => fail(stream === req ? err : new BodyError(`unreadable request body: ${err.message}`, 400)));
    req.once('close', () => {
      if (!req.complete) fail(aborted());
    });
  });
}
