/**
 * What `dendrite run` refuses before anything runs, each kind with the reason it gives:
 * manifests kubectl apply would refuse (the CRDs' schemas, Secrets the API server would not
 * take, kinds it does not serve), two manifests for one object (kubectl would apply the
 * second over the first, so the run would not be what the files say), and dependency cycles
 * (none of their Tasks could ever start) — the same findings as `dendrite validate`, in the
 * same words. What does not stop a run is said as a note: a kind Dendrite does not act on,
 * a Workspace cloned from a path on this machine (which a cluster would refuse).
 */
import type { Manifests, ManifestDoc } from '../shared/local/manifests.js';
import { dependencyCycles, type GraphTask } from './check/graph.js';
import { duplicateProblems, inputSchemaProblems, nameOf as rawName, namespaceOf } from './check/inputs.js';
import { unknownKindProblems } from './check/kinds.js';
import { formatProblem } from './check/problem.js';
import { schemaProblems, type Schemas } from './check/schema.js';
import { secretManifestProblems } from './check/secrets.js';
import { spawnerSchemaProblems } from './check/spawners.js';

export interface Refusal {
  /** One per finding, `file:line:col: …`. */
  lines: string[];
  /** Why nothing was run. */
  reason: string;
}

const nameOf = (doc: ManifestDoc) => rawName(doc) || '(unnamed)';

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

export function refusalsOf(manifests: Manifests, schemas: Schemas, namespace: string): { refusals: Refusal[]; notes: string[] } {
  const refusals: Refusal[] = [];
  const inputs = [...manifests.workspaces, ...manifests.agentConfigs].map((doc) => inputSchemaProblems(doc, schemas));
  const kinds = unknownKindProblems(manifests.others);
  const invalid = [
    ...manifests.tasks.flatMap((doc) => schemaProblems(schemas.Task, doc, nameOf(doc))),
    ...inputs.flatMap((i) => i.problems),
    ...manifests.taskSpawners.flatMap((doc) => spawnerSchemaProblems(doc, schemas)),
    ...kinds.filter((p) => p.severity === 'error'),
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
  const inputsTwice = duplicateProblems([...manifests.workspaces, ...manifests.agentConfigs], namespace).map(formatProblem);
  if (inputsTwice.length > 0) {
    refusals.push({ lines: inputsTwice, reason: 'two manifests define the same Workspace or AgentConfig: kubectl apply would keep only the second' });
  }
  const loops = cycles(manifests, namespace);
  if (loops.length > 0) refusals.push({ lines: loops, reason: 'these Tasks depend on each other in a cycle, so none of them could ever start' });
  const notes = [...inputs.flatMap((i) => (i.localRepo ? [i.localRepo] : [])), ...kinds.filter((p) => p.severity === 'warning')].map(formatProblem);
  return { refusals, notes };
}
