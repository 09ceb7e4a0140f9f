/**
 * Reading manifests the way `kubectl apply -f` takes them: files or directories (the
 * directory's .yaml/.yml/.json files, not recursive), each file any number of YAML documents,
 * a `kind: List` document holding several. Every manifest keeps where it came from, so messages
 * can say file:line:col.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';

export type YamlPath = ReadonlyArray<string | number>;

export interface Position {
  line: number;
  col: number;
}

export interface ManifestDoc {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  object: Record<string, unknown>;
  kind: string;
  /** Where the value at `path` is written (the nearest written ancestor when it is absent). */
  positionOf(path: YamlPath): Position;
  /** The file's whole text and the value's [start, end) offsets in it, when it is written. */
  readonly text: string;
  rangeOf(path: YamlPath): [number, number] | undefined;
  positionAt(offset: number): Position;
}

export interface Manifests {
  tasks: ManifestDoc[];
  /** axon.io Workspaces and AgentConfigs: what Tasks name. */
  workspaces: ManifestDoc[];
  agentConfigs: ManifestDoc[];
  /** axon.io TaskSpawners: rules that create Tasks. */
  taskSpawners: ManifestDoc[];
  secrets: ManifestDoc[];
  /** Documents of other kinds: Dendrite does not act on them (`validate` and `run` say so). */
  others: ManifestDoc[];
}

/** The axon.io kinds Dendrite acts on, and where loadManifests files each. */
const AXON_KINDS: Record<string, 'tasks' | 'workspaces' | 'agentConfigs' | 'taskSpawners'> = {
  Task: 'tasks',
  Workspace: 'workspaces',
  AgentConfig: 'agentConfigs',
  TaskSpawner: 'taskSpawners',
};

/**
 * A path that holds no manifests, or a file that cannot be read or parsed; the message says
 * file:line:col. `reason` tells which, for what a command says next.
 */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    message: string,
    readonly reason: 'missing' | 'empty' | 'unreadable' | 'invalid' = 'invalid',
  ) {
    super(message);
  }
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The files a list of paths names, in order; a directory contributes its manifests sorted. */
export function manifestFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new ManifestError(`${path}: no such file or directory`, 'missing');
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const found = readdirSync(path)
      .filter((entry) => MANIFEST_EXTENSIONS.has(extname(entry).toLowerCase()))
      .sort()
      .map((entry) => join(path, entry))
      .filter((file) => statSync(file).isFile());
    if (found.length === 0) throw new ManifestError(`${path}: the directory holds no .yaml, .yml or .json files`, 'empty');
    files.push(...found);
  }
  return files;
}

function positionFinder(doc: Document, lines: LineCounter, fallback: number): (path: YamlPath) => Position {
  return (path) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]);
    }
    return lines.linePos(fallback);
  };
}

/** Parses one file's text; `file` is only used in messages and positions. */
export function parseManifests(file: string, text: string): ManifestDoc[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  if (!Array.isArray(docs)) return []; // an empty stream
  const out: ManifestDoc[] = [];
  docs.forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      const { line, col } = lines.linePos(error.pos[0]);
      throw new ManifestError(`${file}:${line}:${col}: YAML: ${error.message.split('\n')[0]}`);
    }
    const object: unknown = doc.toJS({ maxAliasCount: 100 });
    if (object === null || object === undefined) return; // an empty document (e.g. a trailing ---)
    const start = doc.contents?.range?.[0] ?? 0;
    const where = lines.linePos(start);
    if (typeof object !== 'object' || Array.isArray(object)) {
      throw new ManifestError(`${file}:${where.line}:${where.col}: a manifest must be a mapping with apiVersion and kind`);
    }
    const record = object as Record<string, unknown>;
    const find = positionFinder(doc, lines, start);
    const entry = (value: Record<string, unknown>, at: YamlPath): ManifestDoc => ({
      file,
      index,
      object: value,
      kind: typeof value.kind === 'string' ? value.kind : '',
      positionOf: (path) => find([...at, ...path]),
      text,
      rangeOf: (path) => {
        const node = doc.getIn([...at, ...path], true);
        return isNode(node) && node.range ? [node.range[0], node.range[1]] : undefined;
      },
      positionAt: (offset) => lines.linePos(offset),
    });
    if (isList(record)) {
      (record.items as unknown[]).forEach((item, i) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          const { line, col } = find(['items', i]);
          throw new ManifestError(`${file}:${line}:${col}: items[${i}]: a manifest must be a mapping with apiVersion and kind`);
        }
        out.push(entry(item as Record<string, unknown>, ['items', i]));
      });
      return;
    }
    out.push(entry(record, []));
  });
  return out;
}

/**
 * A list of manifests in one document: kubectl's `kind: List`, or a task.submit event's data
 * (`{"items": [Task, …]}`), so a submission can be checked and run as it is sent.
 */
function isList(record: Record<string, unknown>): boolean {
  if (!Array.isArray(record.items)) return false;
  return (record.kind === 'List' && record.apiVersion === 'v1') || record.kind === undefined;
}

export function loadManifests(paths: readonly string[]): Manifests {
  const manifests: Manifests = { tasks: [], workspaces: [], agentConfigs: [], taskSpawners: [], secrets: [], others: [] };
  for (const file of manifestFiles(paths)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ManifestError(`${file}: cannot read: ${(err as Error).message}`, 'unreadable');
    }
    for (const doc of parseManifests(file, text)) {
      const apiVersion = doc.object.apiVersion;
      const axon = typeof apiVersion === 'string' && apiVersion.startsWith('axon.io/') && Object.hasOwn(AXON_KINDS, doc.kind);
      if (axon) manifests[AXON_KINDS[doc.kind]!].push(doc);
      else if (doc.kind === 'Secret' && apiVersion === 'v1') manifests.secrets.push(doc);
      else manifests.others.push(doc);
    }
  }
  return manifests;
}

/** `file:line:col` of a value in a document, for messages. */
export function where(doc: ManifestDoc, path: YamlPath = []): string {
  const { line, col } = doc.positionOf(path);
  return `${doc.file}:${line}:${col}`;
}
