/**
 * Secrets as the API server would hold them: `stringData` merged over base64 `data`.
 * Values are only ever handed to an agent's environment — never logged, never in events.
 */

export interface SecretValues {
  namespace: string;
  name: string;
  values: Map<string, string>;
}

export class SecretError extends Error {
  override readonly name = 'SecretError';
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads a v1 Secret object; throws SecretError naming the bad key (never its value). */
export function readSecret(object: Record<string, unknown>, defaultNamespace: string): SecretValues {
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (!name) throw new SecretError('a Secret needs metadata.name');
  const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : defaultNamespace;
  const values = new Map<string, string>();
  const data = object.data ?? {};
  const stringData = object.stringData ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new SecretError(`Secret ${name}: data must be a map`);
  if (typeof stringData !== 'object' || stringData === null || Array.isArray(stringData)) {
    throw new SecretError(`Secret ${name}: stringData must be a map`);
  }
  for (const [key, value] of Object.entries(data)) {
    const text = String(value ?? '').replace(/\s+/g, '');
    if (!BASE64.test(text)) throw new SecretError(`Secret ${name}: data.${key} is not base64 (use stringData for plain text)`);
    values.set(key, Buffer.from(text, 'base64').toString('utf8'));
  }
  for (const [key, value] of Object.entries(stringData)) values.set(key, String(value ?? ''));
  return { namespace, name, values };
}
