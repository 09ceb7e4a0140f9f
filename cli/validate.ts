/**
 * `dendrite validate`: checks manifests before `kubectl apply` and says, per problem,
 * file:line:col, which Task, and what to fix. Exit code: 0 valid (warnings allowed), 1 not.
 */
import { loadManifests, ManifestError, type Manifests } from '../shared/local/manifests.js';
import { checkManifests } from './check/manifests.js';
import { formatProblem } from './check/problem.js';
import { loadTaskSchema } from './check/schema.js';
import type { CliContext } from './context.js';
import { painter } from './view/format.js';

export interface ValidateOptions {
  paths: string[];
  namespace: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function validateCommand(options: ValidateOptions, ctx: CliContext): Promise<number> {
  const paint = painter(ctx.color.stdout);
  let manifests: Manifests;
  try {
    manifests = loadManifests(options.paths);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    ctx.stdout.write(`${err.message}\n${paint('red', '✗ not valid')}: the file cannot be read as manifests\n`);
    return 1;
  }
  if (manifests.tasks.length === 0) {
    ctx.stdout.write(`${paint('red', '✗')} no Task manifests (apiVersion: axon.io/v1alpha1, kind: Task) in ${options.paths.join(' ')}\n`);
    return 1;
  }
  const renderer = ctx.createRenderer();
  let result;
  try {
    result = await checkManifests(manifests, {
      schema: loadTaskSchema(ctx.crdFile),
      defaultNamespace: options.namespace,
      renderer,
      renderLimits: ctx.renderLimits,
    });
  } finally {
    await renderer.close();
  }
  for (const problem of result.problems) {
    const line = formatProblem(problem);
    ctx.stdout.write(`${problem.severity === 'warning' ? paint('yellow', line) : line}\n`);
  }
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  const checked = `${plural(result.tasks, 'Task')}, ${plural(result.secrets, 'Secret')}`;
  const warned = warnings > 0 ? `, ${plural(warnings, 'warning')}` : '';
  if (errors > 0) {
    ctx.stdout.write(`${paint('red', '✗')} ${plural(errors, 'problem')}${warned} in ${checked}\n`);
    return 1;
  }
  ctx.stdout.write(`${paint('green', '✓')} ${checked}: valid${warned}\n`);
  return 0;
}
