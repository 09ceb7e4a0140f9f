import { readFileSync } from 'node:fs';

/** In a pod, the namespace it runs in (its ServiceAccount's); undefined elsewhere. */
export function podNamespace(file = '/var/run/secrets/kubernetes.io/serviceaccount/namespace'): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
