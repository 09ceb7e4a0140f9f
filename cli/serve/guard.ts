/**
 * Who may talk to `dendrite serve`. With a token, every request must carry it as a bearer
 * token. On loopback, the Host header must name loopback too: a web page can make a browser
 * send requests to 127.0.0.1, and with DNS rebinding even same-origin ones, but it cannot make
 * the browser say `Host: 127.0.0.1`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export interface GuardOptions {
  /** Required as `Authorization: Bearer <token>` on every request, when set. */
  token?: string;
  /** Host header values accepted (lowercase, with port), asked per request (the port is known once listening); undefined accepts any. */
  hosts?: () => readonly string[] | undefined;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The Host values a browser sends for a server on this loopback address and port. */
export function loopbackHosts(host: string, port: number): string[] | undefined {
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  return loopback ? [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`] : undefined;
}

export function isLoopback(host: string): boolean {
  return loopbackHosts(host, 0) !== undefined;
}

export function createGuard(options: GuardOptions) {
  // Compared as digests: equal lengths, so timingSafeEqual tells nothing about the token's.
  const expected = options.token === undefined ? undefined : digest(options.token);
  return function guard(req: Request, res: Response, next: NextFunction): void {
    const hosts = options.hosts?.();
    if (hosts && !hosts.includes(String(req.headers.host ?? '').toLowerCase())) {
      res.status(403).json({ error: `refused: Host ${JSON.stringify(req.headers.host ?? '')} is not this server's loopback address` });
      return;
    }
    if (expected) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!match || !timingSafeEqual(digest(match[1] as string), expected)) {
        res.set('WWW-Authenticate', 'Bearer realm="dendrite"');
        res.status(401).json({ error: 'a bearer token is required: Authorization: Bearer <the --token given to dendrite serve>' });
        return;
      }
    }
    next();
  };
}
