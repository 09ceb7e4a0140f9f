/**
 * What `dendrite run` refuses before anything runs, each kind with the reason it gives:
 * manifests kubectl apply would refuse (the Task CRD's schema, Secrets the API server would
 * not take), two manifests for one Task (kubectl would apply the second over the first, so
 * the run would not be what the files say), and dependency cycles (none of their Tasks could
 * ever start) — the same findings as `dendrite validate`, in the same words.
 */
import type { ValidateFunction } from 'ajv';
import type { Manifests, ManifestDoc } from '../shared/local/manifests.js';
import { dependencyCycles, type GraphTask } from './check/graph.js';
import { formatProblem } from './check/problem.js';
import { schemaProblems } from './check/schema.js';
import { secretManifestProblems } from './check/secrets.js';

export interface Refusal {
  /** One per finding, `file:line:col: …`. */
  lines: string[];
  /** Why nothing was run. */
  reason: string;
}

function nameOf(doc: ManifestDoc): string {
  const meta = doc.object.metadata as Record<string, unknown> | undefined;
  return typeof meta?.name === 'string' ? meta.name : '(unnamed)';
}

function namespaceOf(doc: ManifestDoc, fallback: string): string {
  const meta = doc.object.metadata as Record<string, unknown> | undefined;
  return typeof meta?.namespace === 'string' && meta.namespace ? meta.namespace : fallback;
}

function position(doc: ManifestDoc): string {
  const { line, col } = doc.positionOf(['metadata', 'name']);
  return `${doc.file}:${line}:${col}`;
}

function duplicates(manifests: Manifests, namespace: string): string[] {
  const first = new Map<string, ManifestDoc>();
  const lines: string[] = [];
  for (const doc of manifests.tasks) {
    const key = `${namespaceOf(doc, namespace)}/${nameOf(doc)}`;
    const earlier = first.get(key);
    if (earlier) lines.push(`${position(doc)}: Task ${key} is also defined at ${position(earlier)}`);
    else first.set(key, doc);
  }
  return lines;
}

function cycles(manifests: Manifests, namespace: string): string[] {
  const graph: GraphTask[] = [];
  for (const doc of manifests.tasks) {
    const deps = (doc.object.spec as Record<string, unknown> | undefined)?.dependsOn;
    if (!Array.isArray(deps) || !deps.every((d) => typeof d === 'string')) continue;
    graph.push({ doc, namespace: namespaceOf(doc, namespace), name: nameOf(doc), label: nameOf(doc), dependsOn: deps as string[] });
  }
  return dependencyCycles(graph).map(formatProblem);
}

export function refusalsOf(manifests: Manifests, schema: ValidateFunction, namespace: string): Refusal[] {
  const refusals: Refusal[] = [];
  const invalid = [
    ...manifests.tasks.flatMap((doc) => schemaProblems(schema, doc, nameOf(doc))),
    ...secretManifestProblems(manifests.secrets),
  ].map(formatProblem);
  if (invalid.length > 0) refusals.push({ lines: invalid, reason: 'kubectl apply would refuse these manifests' });
  const twice = duplicates(manifests, namespace);
  if (twice.length > 0) {
    refusals.push({
      lines: twice,
      reason: 'two manifests define the same Task: kubectl apply would apply the second over the first, so the run would not be what the files say; give each Task its own name',
    });
  }
  const loops = cycles(manifests, namespace);
  if (loops.length > 0) refusals.push({ lines: loops, reason: 'these Tasks depend on each other in a cycle, so none of them could ever start' });
  return refusals;
}
