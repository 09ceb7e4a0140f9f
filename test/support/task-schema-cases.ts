/**
 * Tasks the Task CRD's schema accepts and refuses (each refusal with where it is reported):
 * for the CRD's own test, and to hold the validator generated at build time to the one
 * compiled at run time.
 */

// Fixtures are free-form JSON that the cases reshape at will, hence `any`.
type Json = Record<string, any>;

/** A minimal Task as a user writes it (no namespace or uid), changed by `change`. */
export function schemaTask(change: (t: Json) => void = () => {}): Json {
  const t: Json = {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name: 't' },
    spec: { type: 'codex', prompt: 'p', credentials: { type: 'oauth', secretRef: { name: 's' } } },
  };
  change(t);
  return t;
}

export const SCHEMA_ACCEPTS: Array<[string, Json]> = [
  ['a minimal Task', schemaTask()],
  [
    'an Axon pipeline Task with workspaceRef and branch',
    schemaTask((t) => Object.assign(t.spec, { workspaceRef: { name: 'ws' }, branch: 'feature/auth', dependsOn: ['scaffold'] })),
  ],
  [
    'every optional field',
    schemaTask((t) =>
      Object.assign(t.spec, {
        model: 'm',
        image: 'i',
        agentConfigRef: { name: 'c' },
        ttlSecondsAfterFinished: 0,
        podOverrides: {
          resources: { limits: { cpu: 2, memory: '1Gi' }, claims: [{ name: 'gpu' }] },
          activeDeadlineSeconds: 1,
          env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
          nodeSelector: { pool: 'agents' },
        },
      }),
    ),
  ],
  [
    'a full status',
    schemaTask((t) => {
      t.status = {
        phase: 'Succeeded',
        jobName: 't',
        podName: 't-abc',
        startTime: '2026-01-01T00:00:00Z',
        completionTime: '2026-01-01T00:05:00Z',
        message: 'done',
        outputs: ['schema: x'],
        results: { schema: 'x' },
      };
    }),
  ],
];

/** Each with an instancePath the schema reports an error at. */
export const SCHEMA_REFUSES: Array<[string, Json, string]> = [
  ['a bad type', schemaTask((t) => (t.spec.type = 'cursor')), '/spec/type'],
  ['a missing prompt', schemaTask((t) => delete t.spec.prompt), '/spec'],
  ['an empty prompt', schemaTask((t) => (t.spec.prompt = '')), '/spec/prompt'],
  ['a prompt that is not a string', schemaTask((t) => (t.spec.prompt = 1)), '/spec/prompt'],
  ['a bad credentials type', schemaTask((t) => (t.spec.credentials.type = 'token')), '/spec/credentials/type'],
  ['credentials without secretRef', schemaTask((t) => delete t.spec.credentials.secretRef), '/spec/credentials'],
  ['a secretRef without name', schemaTask((t) => (t.spec.credentials.secretRef = {})), '/spec/credentials/secretRef'],
  ['a negative ttl', schemaTask((t) => (t.spec.ttlSecondsAfterFinished = -1)), '/spec/ttlSecondsAfterFinished'],
  ['a ttl beyond int32', schemaTask((t) => (t.spec.ttlSecondsAfterFinished = 2 ** 31)), '/spec/ttlSecondsAfterFinished'],
  ['a fractional ttl', schemaTask((t) => (t.spec.ttlSecondsAfterFinished = 1.5)), '/spec/ttlSecondsAfterFinished'],
  [
    'activeDeadlineSeconds 0',
    schemaTask((t) => (t.spec.podOverrides = { activeDeadlineSeconds: 0 })),
    '/spec/podOverrides/activeDeadlineSeconds',
  ],
  ['dependsOn not a list', schemaTask((t) => (t.spec.dependsOn = 'a')), '/spec/dependsOn'],
  ['dependsOn with a number', schemaTask((t) => (t.spec.dependsOn = ['a', 1])), '/spec/dependsOn/1'],
  ['an env entry without name', schemaTask((t) => (t.spec.podOverrides = { env: [{ value: 'x' }] })), '/spec/podOverrides/env/0'],
  ['a nodeSelector number', schemaTask((t) => (t.spec.podOverrides = { nodeSelector: { a: 1 } })), '/spec/podOverrides/nodeSelector/a'],
  ['a workspaceRef without name', schemaTask((t) => (t.spec.workspaceRef = {})), '/spec/workspaceRef'],
  ['an unknown phase', schemaTask((t) => (t.status = { phase: 'Done' })), '/status/phase'],
  ['results that are not strings', schemaTask((t) => (t.status = { results: { a: 1 } })), '/status/results/a'],
  ['outputs that are not strings', schemaTask((t) => (t.status = { outputs: [{}] })), '/status/outputs/0'],
  ['a bad startTime', schemaTask((t) => (t.status = { startTime: 'yesterday' })), '/status/startTime'],
  ['no spec', schemaTask((t) => delete t.spec), ''],
];
