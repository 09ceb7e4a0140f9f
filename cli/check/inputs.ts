/**
 * What `dendrite validate` (and, in part, `dendrite run`) checks in Workspace and AgentConfig
 * manifests: their CRD's schema, what the Job builder would refuse (paths, refs and names that
 * could break a script or a path), two manifests of one name, and the Workspace's Secret —
 * given, and holding GITHUB_TOKEN. And whether every Task's references name one that is given.
 */
import { agentConfigProblems } from '../../shared/job/agent-config.js';
import { GITHUB_TOKEN, workspaceProblems } from '../../shared/job/workspace.js';
import type { ManifestDoc, Manifests } from '../../shared/local/manifests.js';
import { readSecret } from '../../shared/local/secrets.js';
import { leadingPath, problemAt, type Problem } from './problem.js';
import { schemaProblems, type Schemas } from './schema.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function namespaceOf(doc: ManifestDoc, fallback: string): string {
  const meta = doc.object.metadata as Json | undefined;
  return typeof meta?.namespace === 'string' && meta.namespace ? meta.namespace : fallback;
}

export function nameOf(doc: ManifestDoc): string {
  const meta = doc.object.metadata as Json | undefined;
  return typeof meta?.name === 'string' ? meta.name : '';
}

/** A repository given as a path on this machine: `dendrite run` clones it; a cluster's CRD refuses it. */
export function isLocalRepo(repo: unknown): boolean {
  return typeof repo === 'string' && (/^(\/|\.\.?\/|~\/|file:\/\/)/.test(repo) || repo === '.' || repo === '..');
}

const labelOf = (doc: ManifestDoc) => `${doc.kind} ${nameOf(doc) || `#${doc.index + 1}`}`;

/**
 * Problems kubectl apply would refuse the Workspace or AgentConfig for. A local repository
 * path is left out (`localRepo` says so): it runs here, and `validate` reports it itself.
 */
export function inputSchemaProblems(doc: ManifestDoc, schemas: Schemas): { problems: Problem[]; localRepo?: Problem } {
  const kind = doc.kind as 'Workspace' | 'AgentConfig';
  const problems = schemaProblems(schemas[kind], doc, labelOf(doc), kind);
  const repo = isObject(doc.object.spec) ? doc.object.spec.repo : undefined;
  if (kind !== 'Workspace' || !isLocalRepo(repo)) return { problems };
  const message =
    `spec.repo: ${JSON.stringify(repo)} is a path on this machine: dendrite run clones it, but kubectl apply refuses it ` +
    '(the Workspace CRD takes https://, git:// and git@ URLs)';
  return { problems: problems.filter((p) => p.path !== 'spec.repo'), localRepo: problemAt(doc, ['spec', 'repo'], labelOf(doc), message) };
}

/** The same name twice in a namespace: kubectl apply would apply the second over the first. */
export function duplicateProblems(docs: readonly ManifestDoc[], defaultNamespace: string): Problem[] {
  const first = new Map<string, ManifestDoc>();
  const problems: Problem[] = [];
  for (const doc of docs) {
    const key = `${doc.kind}/${namespaceOf(doc, defaultNamespace)}/${nameOf(doc)}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, doc);
      continue;
    }
    const { line } = earlier.positionOf(['metadata', 'name']);
    problems.push(problemAt(doc, ['metadata', 'name'], labelOf(doc), `metadata.name: "${nameOf(doc)}" is also defined at ${earlier.file}:${line}; the second would replace the first`));
  }
  return problems;
}

/** The keys of each given Secret (`namespace/name`), as far as they can be read. */
function secretKeys(secrets: readonly ManifestDoc[], defaultNamespace: string): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  for (const doc of secrets) {
    try {
      const secret = readSecret(doc.object, defaultNamespace);
      keys.set(`${secret.namespace}/${secret.name}`, new Set(secret.values.keys()));
    } catch {
      keys.set(`${namespaceOf(doc, defaultNamespace)}/${nameOf(doc)}`, new Set()); // reported by the Secret checks
    }
  }
  return keys;
}

function secretProblem(doc: ManifestDoc, keys: Map<string, Set<string>>, defaultNamespace: string): Problem | undefined {
  const secretRef = isObject(doc.object.spec) ? doc.object.spec.secretRef : undefined;
  const name = isObject(secretRef) && typeof secretRef.name === 'string' ? secretRef.name : undefined;
  if (!name) return undefined;
  const namespace = namespaceOf(doc, defaultNamespace);
  const found = keys.get(`${namespace}/${name}`);
  const at = ['spec', 'secretRef', 'name'];
  if (!found) {
    return problemAt(doc, at, labelOf(doc), `Secret "${name}" is not among the given manifests — it must exist in namespace ${namespace}, with a ${GITHUB_TOKEN} key, before a Task uses this Workspace`, 'warning');
  }
  if (found.size > 0 && !found.has(GITHUB_TOKEN)) {
    return problemAt(doc, at, labelOf(doc), `Secret "${name}" has no ${GITHUB_TOKEN} key — the clone and the agent read the token from it (its pod could not start)`);
  }
  return undefined;
}

/** Everything wrong with the given Workspaces and AgentConfigs. */
export function inputProblems(manifests: Manifests, schemas: Schemas, defaultNamespace: string): Problem[] {
  const keys = secretKeys(manifests.secrets, defaultNamespace);
  const problems: Problem[] = [];
  for (const doc of [...manifests.workspaces, ...manifests.agentConfigs]) {
    const schema = inputSchemaProblems(doc, schemas);
    problems.push(...schema.problems, ...(schema.localRepo ? [schema.localRepo] : []));
    const reported = new Set([...schema.problems.map((p) => p.path), ...(schema.localRepo ? ['spec.repo'] : [])]);
    const rules = doc.kind === 'Workspace' ? workspaceProblems(doc.object) : agentConfigProblems(doc.object);
    for (const message of rules) {
      const path = leadingPath(message);
      const key = path.join('.');
      // The schema said it already (same field or an enclosing one).
      if ([...reported].some((done) => key === done || key.startsWith(`${done}.`) || done.startsWith(`${key}.`))) continue;
      problems.push(problemAt(doc, path, labelOf(doc), message));
    }
    if (doc.kind === 'Workspace') {
      const secret = secretProblem(doc, keys, defaultNamespace);
      if (secret) problems.push(secret);
      const repo = isObject(doc.object.spec) ? doc.object.spec.repo : undefined;
      if (typeof repo === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(repo)) {
        problems.push(
          problemAt(doc, ['spec', 'repo'], labelOf(doc), 'spec.repo: holds a password or token (user:secret@host) — it would be in every Job\'s spec; put the token in a Secret and name it in spec.secretRef', 'warning'),
        );
      }
    }
  }
  problems.push(...duplicateProblems([...manifests.workspaces, ...manifests.agentConfigs], defaultNamespace));
  return problems;
}

export interface ReferenceSite {
  /** Where the references are written: a Task's `spec`, a TaskSpawner's `spec.taskTemplate`. */
  path: readonly string[];
  /** What a missing one leads to. */
  consequence: string;
}

const TASK_REFERENCES: ReferenceSite = { path: ['spec'], consequence: 'this Task would stay Waiting until one is created; check the name or add its manifest' };

/** A Task (or a Task template) naming a Workspace or AgentConfig that is not given: it would wait for it forever. */
export function referenceProblems(doc: ManifestDoc, label: string, manifests: Manifests, defaultNamespace: string, site: ReferenceSite = TASK_REFERENCES): Problem[] {
  const namespace = namespaceOf(doc, defaultNamespace);
  let holder: unknown = doc.object;
  for (const key of site.path) holder = isObject(holder) ? holder[key] : undefined;
  const spec = isObject(holder) ? holder : {};
  const problems: Problem[] = [];
  for (const [field, kind, docs] of [['workspaceRef', 'Workspace', manifests.workspaces], ['agentConfigRef', 'AgentConfig', manifests.agentConfigs]] as const) {
    const ref = spec[field];
    const name = isObject(ref) && typeof ref.name === 'string' ? ref.name : undefined;
    if (!name || docs.some((d) => nameOf(d) === name && namespaceOf(d, defaultNamespace) === namespace)) continue;
    const at = [...site.path, field, 'name'];
    problems.push(problemAt(doc, at, label, `${at.join('.')}: no ${kind} named "${name}" is given (namespace ${namespace}) — ${site.consequence}`));
  }
  return problems;
}
