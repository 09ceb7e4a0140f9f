import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError } from '../../shared/errors.js';
import { TEMPLATE_ANNOTATION, type Task } from '../../shared/task/model.js';
import {
  MAX_DEPENDENCIES,
  MAX_REPORTED_ERRORS,
  isValidTaskName,
  templateDialectOf,
  validateTask,
} from '../../shared/task/validate.js';

// Fixtures are free-form JSON that the cases reshape at will, hence `any`.
type Json = Record<string, any>;

function validTask(): Json {
  return {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name: 'synthesize-design', namespace: 'default', uid: 'uid-1' },
    spec: {
      type: 'claude-code',
      prompt: 'Schema: {{ index .Deps "research-data-model" "Results" "schema" }}',
      credentials: { type: 'api-key', secretRef: { name: 'orchestrator-api-key' } },
      dependsOn: ['research-api-design', 'research-data-model'],
    },
  };
}

function withChange(change: (task: Json) => void): Json {
  const task = validTask();
  change(task);
  return task;
}

const valid: Array<{ name: string; input: Json }> = [
  { name: 'the seed orchestrator Task', input: validTask() },
  {
    name: 'every optional field set',
    input: withChange((t) => {
      t.metadata.labels = { team: 'a' };
      t.metadata.annotations = { [TEMPLATE_ANNOTATION]: 'nunjucks' };
      Object.assign(t.spec, {
        model: 'opus',
        image: 'example.com/agent:1',
        branch: 'feature/x',
        ttlSecondsAfterFinished: 0,
        workspaceRef: { name: 'ws' },
        agentConfigRef: { name: 'cfg' },
        podOverrides: {
          resources: { limits: { cpu: '1', memory: '1Gi' } },
          activeDeadlineSeconds: 1,
          env: [{ name: 'A', value: 'b' }, { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
          nodeSelector: { pool: 'agents' },
        },
      });
      t.status = { phase: 'Succeeded', outputs: ['a: b'], results: { a: 'b' }, message: 'done' };
    }),
  },
  { name: 'no dependsOn', input: withChange((t) => delete t.spec.dependsOn) },
  { name: 'empty dependsOn', input: withChange((t) => (t.spec.dependsOn = [])) },
  { name: 'oauth credentials, gemini', input: withChange((t) => Object.assign(t.spec, { type: 'gemini', credentials: { type: 'oauth', secretRef: { name: 's' } } })) },
  { name: 'a 63-character name', input: withChange((t) => (t.metadata.name = 'a'.repeat(63))) },
  { name: `exactly ${MAX_DEPENDENCIES} dependencies`, input: withChange((t) => (t.spec.dependsOn = Array.from({ length: MAX_DEPENDENCIES }, (_, i) => `t${i}`))) },
  { name: 'unknown fields are kept, not rejected', input: withChange((t) => (t.spec.futureField = { x: 1 })) },
];

for (const { name, input } of valid) {
  test(`validateTask accepts ${name}`, () => {
    const result = validateTask(input);
    assert.deepEqual(result, { ok: true, task: input });
  });
}

const invalid: Array<{ name: string; input: unknown; errors: string[] }> = [
  { name: 'null', input: null, errors: ['the Task must be an object, got null'] },
  { name: 'a list', input: [validTask()], errors: ['the Task must be an object, got a list'] },
  { name: 'a string', input: 'task', errors: ['the Task must be an object, got string "task"'] },
  {
    name: 'wrong apiVersion and kind',
    input: withChange((t) => Object.assign(t, { apiVersion: 'batch/v1', kind: 'Job' })),
    errors: ['apiVersion: expected "axon.io/v1alpha1", got "batch/v1"', 'kind: expected "Task", got "Job"'],
  },
  {
    name: 'no metadata',
    input: withChange((t) => delete t.metadata),
    errors: ['metadata: must be an object with name, namespace and uid, got nothing'],
  },
  {
    name: 'metadata without name, namespace, uid',
    input: withChange((t) => (t.metadata = {})),
    errors: [
      "metadata.name: missing — give the Task a name (use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)",
      'metadata.namespace: missing — a Task lives in a namespace; send the object as the API server stores it',
      'metadata.uid: missing — send the object as the API server stores it (the uid owns the Job)',
    ],
  },
  {
    name: 'an uppercase name',
    input: withChange((t) => (t.metadata.name = 'Synthesize')),
    errors: [
      'metadata.name: "Synthesize" is not a valid Task name — ' +
        "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit; " +
        'it becomes the Job name and its job-name label',
    ],
  },
  {
    name: 'a 64-character name',
    input: withChange((t) => (t.metadata.name = 'a'.repeat(64))),
    errors: [
      `metadata.name: "${'a'.repeat(64)}" is not a valid Task name — ` +
        "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit; " +
        'it becomes the Job name and its job-name label',
    ],
  },
  {
    name: 'a dotted name (valid for Kubernetes objects, not for a label value)',
    input: withChange((t) => (t.metadata.name = 'a.b')),
    errors: [
      'metadata.name: "a.b" is not a valid Task name — ' +
        "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit; " +
        'it becomes the Job name and its job-name label',
    ],
  },
  {
    name: 'a bad namespace',
    input: withChange((t) => (t.metadata.namespace = '-ns')),
    errors: [
      `metadata.namespace: "-ns" is not a valid namespace name — use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
    ],
  },
  {
    name: 'a label that is not a string',
    input: withChange((t) => (t.metadata.labels = { tier: 3 })),
    errors: ['metadata.labels["tier"]: must be a string, got number 3 — quote the value'],
  },
  {
    name: 'an unknown template dialect',
    input: withChange((t) => (t.metadata.annotations = { [TEMPLATE_ANNOTATION]: 'jinja' })),
    errors: [
      'metadata.annotations["dendrite.dev/template"]: "jinja" is not a template dialect — use "nunjucks", or remove the annotation for Go text/template',
    ],
  },
  {
    name: 'no spec',
    input: withChange((t) => delete t.spec),
    errors: ['spec: missing — a Task needs spec.type, spec.prompt and spec.credentials'],
  },
  {
    name: 'empty spec',
    input: withChange((t) => (t.spec = {})),
    errors: [
      'spec.type: missing — choose the agent: "claude-code", "codex", "gemini", "opencode" (or "external": another system does the work)',
      'spec.prompt: missing — say what the agent should do',
      'spec.credentials: missing — give {type: "api-key", "oauth", secretRef: {name: <Secret name>}}',
    ],
  },
  {
    name: 'an unknown agent type',
    input: withChange((t) => (t.spec.type = 'cursor')),
    errors: ['spec.type: "cursor" is not a supported agent — use one of "claude-code", "codex", "gemini", "opencode", or "external"'],
  },
  {
    name: 'a prompt that is not a string',
    input: withChange((t) => (t.spec.prompt = ['do it'])),
    errors: ['spec.prompt: must be a string, got a list'],
  },
  {
    name: 'a blank prompt',
    input: withChange((t) => (t.spec.prompt = '  \n ')),
    errors: ['spec.prompt: is empty — say what the agent should do'],
  },
  {
    name: 'credentials that are a string',
    input: withChange((t) => (t.spec.credentials = 'my-secret')),
    errors: [
      'spec.credentials: must be an object, got string "my-secret" — give {type: "api-key", "oauth", secretRef: {name: <Secret name>}}',
    ],
  },
  {
    name: 'a bad credentials type and no secretRef',
    input: withChange((t) => (t.spec.credentials = { type: 'token' })),
    errors: [
      'spec.credentials.type: "token" is not a credential type — use one of "api-key", "oauth"',
      'spec.credentials.secretRef: missing — name the Secret holding the credential: {name: <Secret name>}',
    ],
  },
  {
    name: 'credentials without type, secretRef without name',
    input: withChange((t) => (t.spec.credentials = { secretRef: { name: '' } })),
    errors: [
      'spec.credentials.type: missing — use one of "api-key", "oauth"',
      'spec.credentials.secretRef.name: missing — name the Secret holding the credential',
    ],
  },
  {
    name: 'model and image that are not strings',
    input: withChange((t) => Object.assign(t.spec, { model: 4, image: false, branch: {} })),
    errors: [
      'spec.model: must be a string, got number 4',
      'spec.image: must be a string, got boolean false',
      'spec.branch: must be a string, got an object',
    ],
  },
  {
    name: 'dependsOn that is a string',
    input: withChange((t) => (t.spec.dependsOn = 'research-api-design')),
    errors: ['spec.dependsOn: must be a list of Task names, got string "research-api-design"'],
  },
  {
    name: 'a self-dependency',
    input: withChange((t) => t.spec.dependsOn.push('synthesize-design')),
    errors: ['spec.dependsOn[2]: the Task depends on itself — remove "synthesize-design" from dependsOn'],
  },
  {
    name: 'a duplicate dependency',
    input: withChange((t) => (t.spec.dependsOn = ['a', 'b', 'a', 'a'])),
    errors: [
      'spec.dependsOn[2]: "a" is listed twice — list each dependency once',
      'spec.dependsOn[3]: "a" is listed twice — list each dependency once',
    ],
  },
  {
    name: 'dependency entries that are not names',
    input: withChange((t) => (t.spec.dependsOn = ['ok', 7, '', 'Bad_Name', null])),
    errors: [
      'spec.dependsOn[1]: must be a Task name (a string), got number 7',
      "spec.dependsOn[2]: \"\" is not a valid Task name — use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
      "spec.dependsOn[3]: \"Bad_Name\" is not a valid Task name — use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
      'spec.dependsOn[4]: must be a Task name (a string), got null',
    ],
  },
  {
    name: 'too many dependencies',
    input: withChange((t) => (t.spec.dependsOn = Array.from({ length: MAX_DEPENDENCIES + 1 }, () => 'same'))),
    errors: [
      `spec.dependsOn: lists ${MAX_DEPENDENCIES + 1} Tasks — at most ${MAX_DEPENDENCIES} are allowed; split the work into stages`,
    ],
  },
  {
    name: 'a negative ttl',
    input: withChange((t) => (t.spec.ttlSecondsAfterFinished = -1)),
    errors: ['spec.ttlSecondsAfterFinished: -1 is out of range — use a whole number from 0 to 2147483647'],
  },
  {
    name: 'a ttl beyond int32',
    input: withChange((t) => (t.spec.ttlSecondsAfterFinished = 2 ** 31)),
    errors: ['spec.ttlSecondsAfterFinished: 2147483648 is out of range — use a whole number from 0 to 2147483647'],
  },
  {
    name: 'a ttl given as a string',
    input: withChange((t) => (t.spec.ttlSecondsAfterFinished = '60')),
    errors: ['spec.ttlSecondsAfterFinished: must be a whole number of seconds, got "60"'],
  },
  {
    name: 'activeDeadlineSeconds 0',
    input: withChange((t) => (t.spec.podOverrides = { activeDeadlineSeconds: 0 })),
    errors: ['spec.podOverrides.activeDeadlineSeconds: 0 is out of range — use a whole number from 1 to 9007199254740991'],
  },
  {
    name: 'activeDeadlineSeconds 1.5',
    input: withChange((t) => (t.spec.podOverrides = { activeDeadlineSeconds: 1.5 })),
    errors: ['spec.podOverrides.activeDeadlineSeconds: must be a whole number of seconds, got 1.5'],
  },
  {
    name: 'podOverrides that is a list',
    input: withChange((t) => (t.spec.podOverrides = [])),
    errors: ['spec.podOverrides: must be an object, got a list'],
  },
  {
    name: 'bad podOverrides fields',
    input: withChange(
      (t) =>
        (t.spec.podOverrides = {
          resources: 'big',
          env: [{ value: 'x' }, 'A=b', { name: 'B', value: 1, valueFrom: 'secret' }],
          nodeSelector: { pool: true },
        }),
    ),
    errors: [
      'spec.podOverrides.resources: must be an object like {limits: {cpu: "1"}}, got string "big"',
      'spec.podOverrides.env[0].name: missing — give the variable a name',
      'spec.podOverrides.env[1]: must be an object {name, value} or {name, valueFrom}, got string "A=b"',
      'spec.podOverrides.env[2].value: must be a string, got number 1',
      'spec.podOverrides.env[2].valueFrom: must be an object like {secretKeyRef: {name, key}}, got string "secret"',
      'spec.podOverrides.nodeSelector["pool"]: must be a string, got boolean true — quote the value',
    ],
  },
  {
    name: 'env that is an object',
    input: withChange((t) => (t.spec.podOverrides = { env: { A: 'b' } })),
    errors: ['spec.podOverrides.env: must be a list of {name, value} entries, got an object'],
  },
  {
    name: 'refs without names',
    input: withChange((t) => Object.assign(t.spec, { workspaceRef: 'ws', agentConfigRef: {} })),
    errors: ['spec.workspaceRef: must be {name: <name>}, got "ws"', 'spec.agentConfigRef: must be {name: <name>}, got {}'],
  },
  {
    name: 'refs to names no object can have',
    input: withChange((t) => Object.assign(t.spec, { workspaceRef: { name: '../ws' }, agentConfigRef: { name: 'My Config' } })),
    errors: [
      `spec.workspaceRef.name: "../ws" cannot name an object — use lowercase letters, digits, '-' and '.'`,
      `spec.agentConfigRef.name: "My Config" cannot name an object — use lowercase letters, digits, '-' and '.'`,
    ],
  },
  {
    name: 'a bad status',
    input: withChange((t) => (t.status = { phase: 'Done', jobName: 3, outputs: 'x', results: { a: 1 } })),
    errors: [
      'status.phase: "Done" is not a phase — expected one of "Pending", "Waiting", "Running", "Succeeded", "Failed"',
      'status.jobName: must be a string, got number 3',
      'status.outputs: must be a list of strings',
      'status.results["a"]: must be a string, got number 1 — quote the value',
    ],
  },
  {
    name: 'status that is a string',
    input: withChange((t) => (t.status = 'Running')),
    errors: ['status: must be an object, got string "Running"'],
  },
];

for (const { name, input, errors } of invalid) {
  test(`validateTask rejects ${name}`, () => {
    assert.deepEqual(validateTask(input), { ok: false, errors });
  });
}

test('validateTask reports every problem at once, capped with a count of the rest', () => {
  const input = withChange((t) => (t.spec.dependsOn = Array.from({ length: 30 }, () => 'Bad')));
  const result = validateTask(input);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.errors.length, MAX_REPORTED_ERRORS + 1);
  assert.match(result.errors[0] ?? '', /^spec\.dependsOn\[0\]: "Bad" is not a valid Task name/);
  assert.equal(result.errors.at(-1), `…and ${30 - MAX_REPORTED_ERRORS} more problems`);
});

test('validateTask quotes a huge value in a message only in part', () => {
  const result = validateTask(withChange((t) => (t.spec.type = 'x'.repeat(1_000_000))));
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.errors.length, 1);
  assert.ok((result.errors[0] ?? '').length < 300, 'message stays short');
});

test('isValidTaskName follows the DNS-1123 label rule', () => {
  const cases: Array<[string, boolean]> = [
    ['a', true],
    ['a-1', true],
    ['1a', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['', false],
    ['-a', false],
    ['a-', false],
    ['A', false],
    ['a_b', false],
    ['a.b', false],
    ['a b', false],
  ];
  for (const [name, expected] of cases) assert.equal(isValidTaskName(name), expected, name);
});

function taskWithAnnotations(annotations?: Record<string, string>): Task {
  const task = validTask() as Task;
  if (annotations !== undefined) task.metadata.annotations = annotations;
  return task;
}

test('templateDialectOf reads the dendrite.dev/template annotation', () => {
  assert.equal(templateDialectOf(taskWithAnnotations()), 'go');
  assert.equal(templateDialectOf(taskWithAnnotations({ other: 'x' })), 'go');
  assert.equal(templateDialectOf(taskWithAnnotations({ [TEMPLATE_ANNOTATION]: 'nunjucks' })), 'nunjucks');
});

test('templateDialectOf throws a PermanentError naming the accepted values', () => {
  for (const value of ['jinja', 'go', '', 'Nunjucks', 'toString']) {
    assert.throws(
      () => templateDialectOf(taskWithAnnotations({ [TEMPLATE_ANNOTATION]: value })),
      (err: unknown) =>
        err instanceof PermanentError &&
        err.message ===
          `metadata.annotations["dendrite.dev/template"]: ${JSON.stringify(value)} is not a template dialect — ` +
            'use "nunjucks", or remove the annotation for Go text/template',
      value,
    );
  }
});
