/** GitHub's `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw body under the webhook's secret. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signatureOf(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Compared in constant time; a header of another shape is simply wrong. */
export function validSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  return timingSafeEqual(Buffer.from(signatureOf(secret, body)), Buffer.from(header));
}
