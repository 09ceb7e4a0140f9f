/**
 * The deployment as files: every YAML document under knative/ and crds/, and what
 * `kubectl apply -k knative/` would apply (the kustomization's resources, followed into
 * sub-kustomizations). Shared by the knative and image tests.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

// Compiled to dist/test/knative/, so the repository root is three levels up.
export const REPO_URL = new URL('../../../', import.meta.url);
export const REPO = fileURLToPath(REPO_URL);

export type Json = Record<string, any>;

export interface Manifest {
  /** Path relative to the repository root. */
  file: string;
  index: number;
  doc: Json;
  apiVersion: string;
  kind: string;
  name: string;
}

const KUSTOMIZATION = 'kustomization.yaml';

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(entry)) out.push(path);
  }
  return out;
}

export function readDocs(file: string): Json[] {
  const docs = parseAllDocuments(readFileSync(join(REPO, file), 'utf8'));
  return docs.map((doc, index) => {
    if (doc.errors[0]) throw new Error(`${file} document ${index}: ${doc.errors[0].message}`);
    return doc.toJS() as Json;
  }).filter((doc) => doc !== null && doc !== undefined);
}

function manifestsOf(file: string): Manifest[] {
  return readDocs(file).map((doc, index) => ({
    file,
    index,
    doc,
    apiVersion: String(doc.apiVersion ?? ''),
    kind: String(doc.kind ?? ''),
    name: String(doc.metadata?.name ?? ''),
  }));
}

/** Every YAML file under a folder (relative to the repository root), kustomizations excluded. */
export function manifestFiles(folder: string): string[] {
  return yamlFiles(join(REPO, folder))
    .map((path) => relative(REPO, path))
    .filter((file) => !file.endsWith(`/${KUSTOMIZATION}`));
}

/** Every Kubernetes/Knative document in knative/ (all files, listed or not) and crds/. */
export function allManifests(): Manifest[] {
  return [...manifestFiles('knative'), ...manifestFiles('crds')].flatMap(manifestsOf);
}

export interface Kustomized {
  files: string[];
  images: Json[];
  /** The top kustomization's `sortOptions.order` (fifo = applied in the order listed). */
  order?: string;
}

/** The files a kustomization applies, in order, following sub-folders' own kustomizations. */
export function kustomizationFiles(folder = 'knative'): Kustomized {
  const [config] = readDocs(join(folder, KUSTOMIZATION));
  if (!config || config.kind !== 'Kustomization') throw new Error(`${folder}/${KUSTOMIZATION} is not a Kustomization`);
  const files: string[] = [];
  const images: Json[] = [...(config.images ?? [])];
  for (const resource of (config.resources ?? []) as string[]) {
    const path = join(folder, resource);
    if (statSync(join(REPO, path)).isDirectory()) {
      const nested = kustomizationFiles(path);
      files.push(...nested.files);
      images.push(...nested.images);
    } else {
      files.push(path);
    }
  }
  return { files, images, order: config.sortOptions?.order };
}

/** What `kubectl apply -k knative/` applies. */
export function appliedManifests(): Manifest[] {
  return kustomizationFiles().files.flatMap(manifestsOf);
}

export function ofKind(manifests: Manifest[], apiVersion: string, kind: string): Manifest[] {
  return manifests.filter((m) => m.apiVersion === apiVersion && m.kind === kind);
}

/** A kustomize Component under knative/components/: what it adds, deletes and patches. */
export interface Component {
  folder: string;
  /** Its resources' files (relative to the repository root). */
  files: string[];
  /** Objects a `$patch: delete` patch removes. */
  deletes: { apiVersion: string; kind: string; name: string }[];
  /** Merge patches, each onto the object of its kind and name. */
  patches: Json[];
}

/** Every Component in knative/components/. */
export function components(): Component[] {
  const root = join('knative', 'components');
  if (!statSync(join(REPO, root), { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(join(REPO, root)).sort().map((name) => {
    const folder = join(root, name);
    const [config] = readDocs(join(folder, KUSTOMIZATION));
    if (!config || config.kind !== 'Component') throw new Error(`${folder}/${KUSTOMIZATION} is not a Component`);
    const deletes: Component['deletes'] = [];
    const patches: Json[] = [];
    for (const entry of (config.patches ?? []) as Json[]) {
      const patch = parseAllDocuments(String(entry.patch ?? ''))[0]?.toJS() as Json | undefined;
      if (!patch) throw new Error(`${folder}: a patch that is not inline YAML`);
      if (patch.$patch === 'delete') deletes.push({ apiVersion: patch.apiVersion, kind: patch.kind, name: patch.metadata?.name });
      else patches.push(patch);
    }
    return { folder, files: ((config.resources ?? []) as string[]).map((r) => join(folder, r)), deletes, patches };
  });
}

/** Shallow strategic merge, as kustomize does for maps: nested objects merge, anything else replaces. */
function merge(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = value && typeof value === 'object' && !Array.isArray(value) && out[key] && typeof out[key] === 'object' ? merge(out[key], value) : value;
  }
  return out;
}

/** What `kubectl apply -k knative/` applies with this component turned on. */
export function appliedWith(component: Component): Manifest[] {
  const same = (m: Manifest, o: { apiVersion?: string; kind?: string; name?: string }) => m.apiVersion === o.apiVersion && m.kind === o.kind && m.name === o.name;
  const kept = appliedManifests().filter((m) => !component.deletes.some((d) => same(m, d)));
  const all = [...kept, ...component.files.flatMap(manifestsOf)];
  return all.map((m) => {
    const patch = component.patches.find((p) => same(m, { apiVersion: p.apiVersion, kind: p.kind, name: p.metadata?.name }));
    return patch ? { ...m, doc: merge(m.doc, patch) } : m;
  });
}
