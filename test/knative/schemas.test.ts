/**
 * Every manifest we ship, checked offline against the upstream JSON Schemas of its kind
 * (Knative 1.22 CRDs, Kubernetes 1.31 OpenAPI) kept in ../shared/schemas — shared test data,
 * read in place. Options as that folder's README says: strict off (x-kubernetes-* keywords),
 * union types, formats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { buildJob, DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import type { Task } from '../../shared/task/model.js';
import { allManifests, manifestFiles, readDocs, REPO_URL, type Json, type Manifest } from './manifests.js';

const SCHEMAS = new URL('../shared/schemas/', REPO_URL);

// Under NodeNext the default import is typed as the module object; the function is its default.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

function createValidators() {
  const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  return {
    /** The schema file for a manifest; throws ENOENT when there is none (a failure, never a pass). */
    validatorFor(apiVersion: string, kind: string): ValidateFunction {
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
      const file = `${group}/${kind.toLowerCase()}-${version}.json`;
      let validate = compiled.get(file);
      if (!validate) {
        validate = ajv.compile(JSON.parse(readFileSync(new URL(file, SCHEMAS), 'utf8')) as object);
        compiled.set(file, validate);
      }
      return validate;
    },
    errorsText: (validate: ValidateFunction) => ajv.errorsText(validate.errors, { separator: '; ' }),
  };
}

function problemsOf(validators: ReturnType<typeof createValidators>, manifest: Manifest | { doc: Json; apiVersion: string; kind: string }): string[] {
  let validate: ValidateFunction;
  try {
    validate = validators.validatorFor(manifest.apiVersion, manifest.kind);
  } catch (err) {
    return [`no schema for ${manifest.apiVersion} ${manifest.kind}: ${(err as Error).message}`];
  }
  return validate(manifest.doc) ? [] : [validators.errorsText(validate)];
}

test('every manifest in knative/ and crds/ validates against the upstream schema of its kind', (t) => {
  if (!existsSync(SCHEMAS)) {
    t.diagnostic(`schemas folder absent: schema validation did not run (looked in ${fileURLToPath(SCHEMAS)})`);
    return;
  }
  const validators = createValidators();
  const manifests = allManifests();
  assert.ok(manifests.length > 0, 'no manifests found');

  const problems: string[] = [];
  for (const manifest of manifests) {
    const where = `${manifest.file}#${manifest.index} ${manifest.kind} ${manifest.name || '(no name)'}`;
    // No schema requires these; the API server does.
    if (!manifest.apiVersion || !manifest.kind || !manifest.name) problems.push(`${where}: apiVersion, kind and metadata.name are required`);
    for (const problem of problemsOf(validators, manifest)) problems.push(`${where}: ${problem}`);
  }
  // The examples' Kubernetes and Knative documents too (their Tasks are the CRD test's).
  const examples = manifestFiles('examples').flatMap((file) => readDocs(file).map((doc, index) => ({ file, index, doc })));
  const others = examples.filter((e) => !String(e.doc.apiVersion ?? '').startsWith('axon.io/'));
  assert.ok(others.some((e) => e.doc.kind === 'EventPolicy'), 'the producer example is among them');
  for (const { file, index, doc } of others) {
    for (const problem of problemsOf(validators, { doc, apiVersion: String(doc.apiVersion), kind: String(doc.kind) })) problems.push(`${file}#${index}: ${problem}`);
  }
  assert.deepEqual(problems, []);
  t.diagnostic(`${manifests.length} manifests validated: ${[...new Set(manifests.map((m) => m.kind))].sort().join(', ')}`);

  // The validators are not vacuous: a misspelled field in each kind we ship is refused.
  const misspelled: string[] = [];
  for (const manifest of manifests) {
    const broken = structuredClone(manifest.doc);
    const target = broken.kind === 'CustomResourceDefinition' ? broken.spec.names : (broken.spec ?? broken);
    target.misspelledField = true;
    if (problemsOf(validators, { ...manifest, doc: broken }).length === 0) misspelled.push(`${manifest.file}#${manifest.index} ${manifest.kind}`);
  }
  assert.deepEqual(misspelled, [], 'a manifest with an unknown field passed its schema');

  // The Jobs the launcher creates are manifests too: every agent type, with every override.
  const jobProblems: string[] = [];
  const jobs = (['claude-code', 'codex', 'gemini', 'opencode'] as const).flatMap((type, i) => {
    const task = (spec: Partial<Task['spec']>): Task => ({
      apiVersion: 'axon.io/v1alpha1',
      kind: 'Task',
      metadata: { name: `t${i}`, namespace: 'default', uid: `uid-${i}` },
      spec: { type, prompt: 'p', credentials: { type: i % 2 ? 'oauth' : 'api-key', secretRef: { name: 'keys' } }, ...spec },
    });
    return [
      buildJob(task({}), 'a prompt', DEFAULT_JOB_CONFIG),
      buildJob(
        task({
          model: 'some-model',
          image: 'registry.example.com/agent:1',
          ttlSecondsAfterFinished: 60,
          podOverrides: {
            resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m' } },
            activeDeadlineSeconds: 600,
            nodeSelector: { pool: 'agents' },
            env: [{ name: 'EXTRA', value: 'x' }, { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
          },
        }),
        'a prompt',
        DEFAULT_JOB_CONFIG,
      ),
      // With a Workspace (Secret, files, an Enterprise host) and an AgentConfig (instructions, plugins).
      buildJob(task({ workspaceRef: { name: 'ws' }, agentConfigRef: { name: 'ac' }, podOverrides: { env: [{ name: 'GITHUB_TOKEN', value: 'x' }] } }), 'a prompt', DEFAULT_JOB_CONFIG, {
        workspace: {
          apiVersion: 'axon.io/v1alpha1',
          kind: 'Workspace',
          metadata: { name: 'ws', namespace: 'default' },
          spec: { repo: i % 2 ? 'https://ghe.example.com/o/r.git' : 'git@github.com:o/r.git', ref: 'main', secretRef: { name: 'gh' }, files: [{ path: 'CLAUDE.md', content: 'x' }] },
        },
        agentConfig: {
          apiVersion: 'axon.io/v1alpha1',
          kind: 'AgentConfig',
          metadata: { name: 'ac', namespace: 'default' },
          spec: { agentsMD: 'Be terse.', plugins: [{ name: 'p', skills: [{ name: 's', content: 'c' }], agents: [{ name: 'a', content: 'c' }] }] },
        },
      }),
    ];
  });
  assert.ok(jobs.some((job) => (job.spec?.template.spec?.initContainers ?? []).length === 3), 'a Job with every init container is among them');
  for (const job of jobs) {
    // Through JSON, as it travels to the API server.
    const doc = JSON.parse(JSON.stringify(job)) as Json;
    for (const problem of problemsOf(validators, { doc, apiVersion: 'batch/v1', kind: 'Job' })) jobProblems.push(`Job ${job.metadata?.name}: ${problem}`);
  }
  assert.deepEqual(jobProblems, []);
});
