/**
 * Secrets as the API server would hold them: `stringData` merged over base64 `data`, with the
 * API server's rules — every value a string, `data` in standard padded base64 (line breaks
 * allowed, as Go's decoder skips them) — so a Secret kubectl apply would refuse is refused
 * here too, naming the key, instead of being dropped or handing an agent `[object Object]`.
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

/** Where a problem is (`['data', 'KEY']`) and what it is; never the value itself. */
export interface SecretProblem {
  path: Array<string | number>;
  message: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameOf(object: Record<string, unknown>): string {
  const meta = object.metadata;
  return isMap(meta) && typeof meta.name === 'string' ? meta.name : '';
}

/** Everything the API server would refuse in this Secret, each with its path. */
export function secretProblems(object: Record<string, unknown>): SecretProblem[] {
  const problems: SecretProblem[] = [];
  if (!nameOf(object)) problems.push({ path: ['metadata', 'name'], message: 'a Secret needs metadata.name' });
  for (const field of ['data', 'stringData'] as const) {
    const map = object[field];
    if (map === undefined || map === null) continue;
    if (!isMap(map)) {
      problems.push({ path: [field], message: `${field} must be a map of keys to strings, got ${kindOf(map)}` });
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      if (value === null) continue; // `KEY:` with no value: the API server stores an empty one
      if (typeof value !== 'string') {
        const quote = field === 'stringData' && (typeof value === 'number' || typeof value === 'boolean') ? ' (quote it)' : '';
        problems.push({ path: [field, key], message: `${field}.${key} must be a string, got ${kindOf(value)}${quote}` });
      } else if (field === 'data' && !BASE64.test(value.replace(/[\r\n]/g, ''))) {
        problems.push({ path: [field, key], message: `data.${key} is not valid base64 (use stringData for plain text)` });
      }
    }
  }
  return problems;
}

/** Reads a v1 Secret object; throws SecretError naming the bad key (never its value). */
export function readSecret(object: Record<string, unknown>, defaultNamespace: string): SecretValues {
  const name = nameOf(object);
  const [problem] = secretProblems(object);
  if (problem) throw new SecretError(name ? `Secret ${name}: ${problem.message}` : problem.message);
  const meta = object.metadata as Record<string, unknown>;
  const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : defaultNamespace;
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, string | null>)) {
    values.set(key, Buffer.from((value ?? '').replace(/[\r\n]/g, ''), 'base64').toString('utf8'));
  }
  for (const [key, value] of Object.entries((object.stringData ?? {}) as Record<string, string | null>)) values.set(key, value ?? '');
  return { namespace, name, values };
}
