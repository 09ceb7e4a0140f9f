/**
 * `dendrite validate`: checks manifests before `kubectl apply` and says, per problem,
 * file:line:col, which Task, and what to fix. Exit code: 0 valid (warnings allowed), 1 not.
 */
import { loadManifests, ManifestError, type Manifests } from '../shared/local/manifests.js';
import { checkManifests } from './check/manifests.js';
import { formatProblem, type Problem } from './check/problem.js';
import { secretManifestProblems } from './check/secrets.js';
import { spawnerProblems } from './check/spawners.js';
import { loadSchemas } from './check/schema.js';
import type { CliContext } from './context.js';
import { painter } from './view/format.js';

export interface ValidateOptions {
  paths: string[];
  namespace: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What follows a loading error: the path held nothing to check, or a file could not be read. */
const AFTER_LOAD_ERROR: Record<ManifestError['reason'], string> = {
  missing: 'nothing to validate there',
  empty: 'nothing to validate there (manifests are .yaml, .yml or .json files; directories are not searched recursively)',
  unreadable: 'the file cannot be read',
  invalid: 'the file cannot be read as manifests',
};

/** In file order (as given), then by position. */
function inOrder(problems: Problem[], files: string[]): Problem[] {
  const order = new Map(files.map((file, i) => [file, i] as const).reverse());
  return [...problems].sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.col - b.col);
}

export async function validateCommand(options: ValidateOptions, ctx: CliContext): Promise<number> {
  const paint = painter(ctx.color.stdout);
  let manifests: Manifests;
  try {
    manifests = loadManifests(options.paths);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    ctx.stdout.write(`${err.message}\n${paint('red', '✗ not valid')}: ${AFTER_LOAD_ERROR[err.reason]}\n`);
    return 1;
  }
  if (manifests.tasks.length + manifests.workspaces.length + manifests.agentConfigs.length + manifests.taskSpawners.length === 0) {
    const others = manifests.others.length > 0 ? ` (only ${[...new Set(manifests.others.map((d) => d.kind || 'documents without a kind'))].join(', ')})` : '';
    ctx.stdout.write(`${paint('red', '✗')} no Task, TaskSpawner, Workspace or AgentConfig manifests (apiVersion: axon.io/v1alpha1) in ${options.paths.join(' ')}${others}\n`);
    return 1;
  }
  const renderer = ctx.createRenderer();
  let result;
  let spawnerFindings;
  try {
    const checkOptions = { schemas: loadSchemas(ctx.crdFiles), defaultNamespace: options.namespace, renderer, renderLimits: ctx.renderLimits };
    result = await checkManifests(manifests, checkOptions);
    spawnerFindings = await spawnerProblems(manifests, checkOptions);
  } finally {
    await renderer.close();
  }
  const files = [...manifests.tasks, ...manifests.taskSpawners, ...manifests.workspaces, ...manifests.agentConfigs, ...manifests.secrets, ...manifests.others].map((doc) => doc.file);
  const problems = inOrder([...result.problems, ...spawnerFindings, ...secretManifestProblems(manifests.secrets)], files);
  for (const problem of problems) {
    const line = formatProblem(problem);
    ctx.stdout.write(`${problem.severity === 'warning' ? paint('yellow', line) : line}\n`);
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const inputs = [
    ...(manifests.taskSpawners.length > 0 ? [plural(manifests.taskSpawners.length, 'TaskSpawner')] : []),
    ...(result.workspaces > 0 ? [plural(result.workspaces, 'Workspace')] : []),
    ...(result.agentConfigs > 0 ? [plural(result.agentConfigs, 'AgentConfig')] : []),
  ];
  const tasks = result.tasks > 0 || manifests.taskSpawners.length === 0 ? [plural(result.tasks, 'Task')] : [];
  const checked = [...tasks, ...inputs, plural(result.secrets, 'Secret')].join(', ');
  const warned = warnings > 0 ? `, ${plural(warnings, 'warning')}` : '';
  if (errors > 0) {
    ctx.stdout.write(`${paint('red', '✗')} ${plural(errors, 'problem')}${warned} in ${checked}\n`);
    return 1;
  }
  ctx.stdout.write(`${paint('green', '✓')} ${checked}: valid${warned}\n`);
  return 0;
}
