import { createHash } from 'node:crypto';

/** Names the CRD text a validator was generated from: any edit to the file changes it. */
export function crdDigest(crdText: string): string {
  return createHash('sha256').update(crdText, 'utf8').digest('hex');
}
