/**
 * The OIDC token a function presents to the Broker. With Knative Eventing's
 * `authentication-oidc` feature on, the SinkBinding mounts a token for the Broker's audience at
 * /oidc/token (its own identity, which the EventPolicies name) and renews it before it expires;
 * without the feature there is no file and events are sent without one.
 */
import { readFile } from 'node:fs/promises';

export const DEFAULT_OIDC_TOKEN_FILE = '/oidc/token';

/** Re-read this often: the kubelet updates the mounted Secret in place when it is renewed. */
const REREAD_MS = 60_000;

export type TokenSource = () => Promise<string | undefined>;

export function fileTokenSource(path: string, now: () => number = Date.now): TokenSource {
  let cached: { token: string | undefined; readAt: number } | undefined;
  return async () => {
    if (cached && now() - cached.readAt < REREAD_MS) return cached.token;
    let token: string | undefined;
    try {
      token = (await readFile(path, 'utf8')).trim() || undefined;
    } catch {
      token = undefined; // no token mounted: OIDC authentication is off
    }
    cached = { token, readAt: now() };
    return token;
  };
}
