/**
 * The environment a local agent gets: PATH and HOME from the user's shell (so it can find and
 * run its tools) plus exactly what the Job's container declares, `secretKeyRef`s resolved from
 * the loaded Secrets. Nothing else of the parent's environment leaks in — in a cluster the
 * agent would not see it either.
 */
import type { V1EnvVar } from '@kubernetes/client-node';
import type { SecretValues } from './secrets.js';

/** The container cannot start (in a cluster: CreateContainerConfigError). */
export class JobEnvError extends Error {
  override readonly name = 'JobEnvError';
}

export type SecretLookup = (namespace: string, name: string) => SecretValues | undefined;

export function resolveJobEnv(
  env: readonly V1EnvVar[] | undefined,
  namespace: string,
  secrets: SecretLookup,
  base: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = { ...base };
  for (const entry of env ?? []) {
    if (entry.valueFrom === undefined) {
      out[entry.name] = entry.value ?? '';
      continue;
    }
    const ref = entry.valueFrom.secretKeyRef;
    if (!ref) {
      throw new JobEnvError(
        `env ${entry.name}: only plain values and secretKeyRef can be resolved locally ` +
          `(${Object.keys(entry.valueFrom).join(', ')} is not supported)`,
      );
    }
    const secret = secrets(namespace, ref.name ?? '');
    if (!secret) {
      if (ref.optional) continue;
      throw new JobEnvError(
        `env ${entry.name}: secret "${ref.name}" not found in namespace "${namespace}" — pass its manifest to dendrite run`,
      );
    }
    const value = secret.values.get(ref.key);
    if (value === undefined) {
      if (ref.optional) continue;
      throw new JobEnvError(`env ${entry.name}: secret "${ref.name}" has no key "${ref.key}"`);
    }
    out[entry.name] = value;
  }
  return out;
}
