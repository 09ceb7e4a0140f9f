import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Job } from '@kubernetes/client-node';
import {
  AGENT_ENTRYPOINT,
  buildJob,
  credentialEnvName,
  DEFAULT_JOB_CONFIG,
  MAX_PROMPT_BYTES,
  MIN_JOB_TTL_SECONDS,
  type JobConfig,
} from '../../shared/job/build.js';
import { PermanentError } from '../../shared/errors.js';
import type { AgentType, CredentialType, Task, TaskSpec } from '../../shared/task/model.js';

function task(spec: Partial<TaskSpec> = {}, name = 'research-api'): Task {
  return {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace: 'team-a', uid: '0b7c3f5e-1111-4222-8333-444455556666' },
    spec: {
      type: 'claude-code',
      prompt: 'unrendered {{ template }}',
      credentials: { type: 'api-key', secretRef: { name: 'agent-secret' } },
      ...spec,
    },
  };
}

function container(job: V1Job): V1Container {
  const containers = job.spec?.template.spec?.containers ?? [];
  assert.equal(containers.length, 1, 'exactly one container');
  return containers[0]!;
}

test('the Job has the Task name, namespace, owner, labels and the agent interface', () => {
  const job = buildJob(task(), 'Rendered prompt', DEFAULT_JOB_CONFIG);
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  assert.equal(job.metadata?.name, 'research-api');
  assert.equal(job.metadata?.namespace, 'team-a');
  assert.deepEqual(job.metadata?.ownerReferences, [
    {
      apiVersion: 'axon.io/v1alpha1',
      kind: 'Task',
      name: 'research-api',
      uid: '0b7c3f5e-1111-4222-8333-444455556666',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  const labels = { 'axon.io/task': 'research-api', 'app.kubernetes.io/managed-by': 'dendrite' };
  assert.deepEqual(job.metadata?.labels, labels);
  assert.deepEqual(job.spec?.template.metadata?.labels, labels);
  assert.equal(job.spec?.backoffLimit, 0);
  assert.equal(job.spec?.template.spec?.restartPolicy, 'Never');
  const c = container(job);
  assert.equal(c.name, 'claude-code');
  assert.deepEqual(c.command, [AGENT_ENTRYPOINT]);
  assert.deepEqual(c.command, ['/axon_entrypoint.sh']);
  // The rendered prompt, not spec.prompt, is the argument.
  assert.deepEqual(c.args, ['Rendered prompt']);
  assert.equal(c.resources, undefined);
  assert.equal(job.spec?.activeDeadlineSeconds, undefined);
  assert.equal(job.spec?.ttlSecondsAfterFinished, undefined);
  assert.equal(job.spec?.template.spec?.nodeSelector, undefined);
});

const credentialCases: Array<{ type: AgentType; credential: CredentialType; env: string; image: string }> = [
  { type: 'claude-code', credential: 'api-key', env: 'ANTHROPIC_API_KEY', image: 'gjkim42/claude-code:latest' },
  { type: 'claude-code', credential: 'oauth', env: 'CLAUDE_CODE_OAUTH_TOKEN', image: 'gjkim42/claude-code:latest' },
  { type: 'codex', credential: 'api-key', env: 'CODEX_API_KEY', image: 'gjkim42/codex:latest' },
  { type: 'codex', credential: 'oauth', env: 'CODEX_AUTH_JSON', image: 'gjkim42/codex:latest' },
  { type: 'gemini', credential: 'api-key', env: 'GEMINI_API_KEY', image: 'gjkim42/gemini:latest' },
  { type: 'gemini', credential: 'oauth', env: 'GEMINI_API_KEY', image: 'gjkim42/gemini:latest' },
  { type: 'opencode', credential: 'api-key', env: 'OPENCODE_API_KEY', image: 'gjkim42/opencode:latest' },
  { type: 'opencode', credential: 'oauth', env: 'OPENCODE_API_KEY', image: 'gjkim42/opencode:latest' },
];

for (const { type, credential, env, image } of credentialCases) {
  test(`${type} with ${credential}: ${env} from the Secret, default image ${image}`, () => {
    assert.equal(credentialEnvName(type, credential), env);
    const job = buildJob(
      task({ type, credentials: { type: credential, secretRef: { name: 'creds' } } }),
      'p',
      DEFAULT_JOB_CONFIG,
    );
    const c = container(job);
    assert.equal(c.name, type);
    assert.equal(c.image, image);
    assert.deepEqual(c.env, [{ name: env, valueFrom: { secretKeyRef: { name: 'creds', key: env } } }]);
  });
}

const imageCases: Array<{ name: string; spec: Partial<TaskSpec>; config: JobConfig; image: string }> = [
  { name: 'spec.image wins over the default', spec: { image: 'example.com/agent:1' }, config: DEFAULT_JOB_CONFIG, image: 'example.com/agent:1' },
  {
    name: 'the configured per-type image is the default',
    spec: {},
    config: { ...DEFAULT_JOB_CONFIG, images: { ...DEFAULT_JOB_CONFIG.images, 'claude-code': 'ghcr.io/kelos-dev/claude-code:latest' } },
    image: 'ghcr.io/kelos-dev/claude-code:latest',
  },
  { name: 'an empty spec.image counts as unset', spec: { image: '' }, config: DEFAULT_JOB_CONFIG, image: 'gjkim42/claude-code:latest' },
];

for (const { name, spec, config, image } of imageCases) {
  test(`image: ${name}`, () => {
    assert.equal(container(buildJob(task(spec), 'p', config)).image, image);
  });
}

test('backoffLimit comes from the config', () => {
  const job = buildJob(task(), 'p', { ...DEFAULT_JOB_CONFIG, backoffLimit: 3 });
  assert.equal(job.spec?.backoffLimit, 3);
});

test('the Job gets a TTL of its own only when configured, and never one shorter than reading its outputs needs', () => {
  const ttl0 = task({ ttlSecondsAfterFinished: 0 });
  assert.equal(buildJob(ttl0, 'p', DEFAULT_JOB_CONFIG).spec?.ttlSecondsAfterFinished, undefined);
  assert.equal(buildJob(ttl0, 'p', { ...DEFAULT_JOB_CONFIG, jobTtlSeconds: 3600 }).spec?.ttlSecondsAfterFinished, 3600);
  assert.equal(buildJob(ttl0, 'p', { ...DEFAULT_JOB_CONFIG, jobTtlSeconds: 5 }).spec?.ttlSecondsAfterFinished, MIN_JOB_TTL_SECONDS);
});

test('AXON_MODEL is set only when spec.model is', () => {
  const withModel = container(buildJob(task({ model: 'claude-sonnet-4' }), 'p', DEFAULT_JOB_CONFIG));
  assert.deepEqual(withModel.env?.[0], { name: 'AXON_MODEL', value: 'claude-sonnet-4' });
  const without = container(buildJob(task(), 'p', DEFAULT_JOB_CONFIG));
  assert.equal(without.env?.some((e) => e.name === 'AXON_MODEL'), false);
});

test('podOverrides: resources, deadline, node selector, env merged with the built-in env winning', () => {
  const job = buildJob(
    task({
      model: 'm1',
      ttlSecondsAfterFinished: 600,
      podOverrides: {
        resources: { limits: { cpu: '2', memory: '4Gi' }, requests: { cpu: '500m' } },
        activeDeadlineSeconds: 3600,
        nodeSelector: { pool: 'agents' },
        env: [
          { name: 'ANTHROPIC_API_KEY', value: 'sk-override-attempt' },
          { name: 'AXON_MODEL', value: 'other-model' },
          { name: 'HTTP_PROXY', value: 'http://proxy:3128' },
          { name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: 'gh', key: 'token' } } },
        ],
      },
    }),
    'p',
    DEFAULT_JOB_CONFIG,
  );
  const c = container(job);
  assert.deepEqual(c.resources, { limits: { cpu: '2', memory: '4Gi' }, requests: { cpu: '500m' } });
  assert.equal(job.spec?.activeDeadlineSeconds, 3600);
  assert.equal(job.spec?.template.spec?.activeDeadlineSeconds, undefined, 'the deadline is the Job’s, as in Axon');
  assert.equal(job.spec?.ttlSecondsAfterFinished, undefined, "the Task's TTL is the Task's: the Job goes with it");
  assert.deepEqual(job.spec?.template.spec?.nodeSelector, { pool: 'agents' });
  assert.deepEqual(c.env, [
    { name: 'AXON_MODEL', value: 'm1' },
    { name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'agent-secret', key: 'ANTHROPIC_API_KEY' } } },
    { name: 'HTTP_PROXY', value: 'http://proxy:3128' },
    { name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: 'gh', key: 'token' } } },
  ]);
});

test('the Task is not modified and the Job shares no objects with it', () => {
  const t = task({ podOverrides: { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], nodeSelector: { a: 'b' } } });
  const before = structuredClone(t);
  const job = buildJob(t, 'p', DEFAULT_JOB_CONFIG);
  assert.deepEqual(t, before);
  const env = container(job).env!;
  (env[1]!.valueFrom!.secretKeyRef as { name: string }).name = 'changed';
  job.spec!.template.spec!.nodeSelector!.a = 'changed';
  assert.deepEqual(t, before);
});

const promptCases: Array<{ name: string; prompt: string; ok: boolean }> = [
  { name: 'exactly the limit', prompt: 'a'.repeat(MAX_PROMPT_BYTES), ok: true },
  { name: 'one byte over', prompt: 'a'.repeat(MAX_PROMPT_BYTES + 1), ok: false },
  // 3 bytes per character in UTF-8: under the limit in characters, over it in bytes.
  { name: 'multi-byte characters count as bytes', prompt: '€'.repeat(Math.floor(MAX_PROMPT_BYTES / 3) + 1), ok: false },
];

for (const { name, prompt, ok } of promptCases) {
  test(`prompt size: ${name}`, () => {
    if (ok) {
      assert.equal(container(buildJob(task(), prompt, DEFAULT_JOB_CONFIG)).args?.[0], prompt);
    } else {
      assert.throws(
        () => buildJob(task(), prompt, DEFAULT_JOB_CONFIG),
        (err: unknown) => err instanceof PermanentError && /rendered prompt is \d+ bytes/.test(err.message),
      );
    }
  });
}

