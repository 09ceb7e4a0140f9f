/**
 * An HTTP-level fake Kubernetes API server for tests: @kubernetes/client-node talks to it over
 * a real socket, so the client's own serialisation, headers and error handling are exercised
 * (never mock the client). It serves Tasks, Workspaces and AgentConfigs (axon.io/v1alpha1),
 * Jobs, Pods with their logs and core/v1 Events from memory, records every request, and
 * injects faults on demand.
 *
 * Fidelity notes — where it follows the real server, and where it deliberately does not:
 * - errors are `Status` bodies with the real reasons (NotFound, AlreadyExists, Conflict, Invalid…);
 * - status subresources: writes to the object keep its status, writes to /status keep the rest;
 * - merge patch (RFC 7386) and JSON patch (RFC 6902); a strategic merge patch is accepted for
 *   built-in kinds and applied as a merge patch (lists are replaced, not merged by key), and
 *   refused with 415 for Tasks, as the API server refuses it for custom resources;
 * - pod logs apply `tailLines` first and then `limitBytes`, as the kubelet does: `limitBytes`
 *   keeps the *beginning* of what would be returned;
 * - watches (`?watch=true`) stream ADDED / MODIFIED / DELETED lines from the list's
 *   resourceVersion on (a recent history is kept to replay from), filtered by namespace and
 *   label selector, ending after `timeoutSeconds` when given; no bookmarks;
 * - Events take the field selectors `involvedObject.kind/name/namespace/uid`, as the real server does;
 * - no controllers run: creating a Job makes no pod (see `addJobPod`), nothing is garbage-collected.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { applyJsonPatch, applyMergePatch, PatchError } from './fake-apiserver/patch.js';
import { parseLabelSelector, SelectorError } from './fake-apiserver/selector.js';
import {
  apiVersionOf,
  findResource,
  parseApiPath,
  qualifiedName,
  RESOURCES,
  type ResourceName,
  type ResourceType,
} from './fake-apiserver/resources.js';
import { decodeErrors, validateEvent, validateJob, validateName, type Cause } from './fake-apiserver/validate.js';

export { requestAttributes, type RequestAttributes, type ResourceName } from './fake-apiserver/resources.js';

export interface RecordedRequest {
  method: string;
  /** The URL path without the query string. */
  path: string;
  query: Record<string, string>;
  /** The Content-Type header as sent, parameters included. */
  contentType: string | undefined;
  /** The body parsed as JSON; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** performance.now() when the request's body had arrived. */
  at: number;
}

export interface RequestMatch {
  method?: string;
  /** A substring of the URL path (query string excluded). */
  pathIncludes?: string;
}

export interface FaultResponse {
  /** Answer this HTTP status with a Kubernetes Status body, or destroy the connection ('reset'). */
  status: number | 'reset';
  /** Seconds, sent as the Retry-After header and as details.retryAfterSeconds. */
  retryAfter?: number;
  /** Wait this long before answering (a client timeout shorter than this sees no answer). */
  delayMs?: number;
  /** Overrides the Status reason derived from the status code. */
  reason?: string;
  message?: string;
}

export interface AddJobPodOptions {
  podName?: string;
  /** RFC 3339; defaults to now. The adapter picks the newest pod by this. */
  creationTimestamp?: string;
  phase?: string;
  /** Log text per container name. */
  logs?: Record<string, string>;
}

export type StoredObject = Record<string, unknown> & { metadata: Record<string, unknown> };

/** Sees each object as stored (do not modify it), or as it was when deleted. */
export type ChangeListener = (obj: StoredObject, deleted: boolean) => void;

export interface FakeApiServer {
  readonly url: string;
  /** Every request received, in arrival order, faulted ones included. */
  readonly requests: RecordedRequest[];
  /** A KubeConfig for this server (plain HTTP needs skipTLSVerify in client-node 1.x). */
  kubeConfig(): KubeConfig;
  /** Seed or overwrite an object; uid, resourceVersion, creationTimestamp are filled when missing. */
  put(kind: ResourceName, obj: object): StoredObject;
  get(kind: ResourceName, namespace: string, name: string): StoredObject | undefined;
  list(kind: ResourceName, namespace?: string): StoredObject[];
  remove(kind: ResourceName, namespace: string, name: string): boolean;
  setPodLog(namespace: string, pod: string, container: string, text: string): void;
  /** Stand in for the Job controller: a pod labelled `job-name=<job>`, owned by the Job, built from its template. */
  addJobPod(namespace: string, jobName: string, options?: AddJobPodOptions): StoredObject;
  /** The next `times` requests matching `match` get `response` instead of being served. */
  failNext(match: RequestMatch, response: FaultResponse, times?: number): void;
  /** The next `times` requests matching `match` take effect at once, but are answered only after `delayMs`. */
  delayNext(match: RequestMatch, delayMs: number, times?: number): void;
  clearRequests(): void;
  /** Calls `listener` on every change the server makes, synchronously, in order. */
  onChange(listener: ChangeListener): void;
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;

interface Rule {
  match: RequestMatch;
  remaining: number;
  delayMs: number;
  fault?: FaultResponse;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    readonly details?: Obj,
  ) {
    super(message);
  }
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

const MAX_BODY_BYTES = 20 * 1024 * 1024;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function metaOf(obj: Obj): Obj {
  if (!isObj(obj.metadata)) obj.metadata = {};
  return obj.metadata as Obj;
}

/** RFC 3339 at second precision, as the API server writes metav1.Time. */
function secondsOf(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface FakeApiServerOptions {
  /** The server's clock (creation timestamps); a test may move it on with its functions' clock. */
  clock?: () => Date;
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from(randomBytes(5), (b) => alphabet[b % alphabet.length]).join('');
}

function statusBody(code: number, message: string, reason?: string, details?: Obj): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason: reason ?? REASONS[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest'),
    ...(details ? { details } : {}),
    code,
  };
}

function invalid(type: ResourceType, name: string, causes: Cause[]): HttpError {
  const kind = type.group ? `${type.kind}.${type.group}` : type.kind;
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new HttpError(422, `${kind} "${name}" is invalid: ${summary}`, 'Invalid', {
    name,
    group: type.group,
    kind: type.kind,
    causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

function notFound(type: ResourceType, name: string): HttpError {
  return new HttpError(404, `${qualifiedName(type)} "${name}" not found`, 'NotFound', {
    name,
    group: type.group,
    kind: type.name,
  });
}

/** Start of the last `lines` lines; a final newline ends the last line rather than starting one. */
function tailLines(buf: Buffer, lines: number): Buffer {
  if (lines === 0) return buf.subarray(buf.length);
  let i = buf.length - 1;
  if (i >= 0 && buf[i] === 0x0a) i--;
  let seen = 0;
  for (; i >= 0; i--) {
    if (buf[i] === 0x0a && ++seen === lines) return buf.subarray(i + 1);
  }
  return buf;
}

function nonNegativeInt(query: Record<string, string>, key: string): number | undefined {
  const raw = query[key];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `${key}: invalid value ${JSON.stringify(raw)}`);
  return Number(raw);
}

type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface WatchChange {
  resourceVersion: number;
  type: WatchType;
  resource: string;
  obj: StoredObject;
}
/** How many changes a watch can be replayed from (a real server keeps a window too, then 410s). */
const WATCH_HISTORY = 10_000;

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const now = () => secondsOf(options.clock?.() ?? new Date());
  const listeners: ChangeListener[] = [];
  const history: WatchChange[] = [];
  const watchers = new Set<(change: WatchChange) => void>();
  function recordChange(key: string, type: WatchType, obj: StoredObject): void {
    const change = { resourceVersion: type === 'DELETED' ? ++resourceVersion : Number(obj.metadata.resourceVersion), type, resource: key.slice(0, key.indexOf('/')), obj: structuredClone(obj) };
    history.push(change);
    if (history.length > WATCH_HISTORY) history.shift();
    for (const watcher of watchers) watcher(change);
  }
  /** Every write and delete is seen by the listeners, in the order the server made them. */
  class ObservedStore extends Map<string, StoredObject> {
    override set(key: string, value: StoredObject): this {
      const added = !super.has(key);
      super.set(key, value);
      for (const listener of listeners) listener(value, false);
      recordChange(key, added ? 'ADDED' : 'MODIFIED', value);
      return this;
    }
    override delete(key: string): boolean {
      const value = super.get(key);
      const deleted = super.delete(key);
      if (value) for (const listener of listeners) listener(value, true);
      if (value) recordChange(key, 'DELETED', value);
      return deleted;
    }
  }
  const store = new ObservedStore();
  const logs = new Map<string, string>();
  const rules: Rule[] = [];
  const requests: RecordedRequest[] = [];
  const pendingTimers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let resourceVersion = 1000;
  let closed = false;

  const keyOf = (type: ResourceName, namespace: string, name: string) => `${type}/${namespace}/${name}`;
  const nextVersion = () => String(++resourceVersion);

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          pendingTimers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      pendingTimers.add(entry);
    });
  }

  function takeRule(method: string, path: string): Rule | undefined {
    const rule = rules.find(
      (r) =>
        r.remaining > 0 &&
        (r.match.method === undefined || r.match.method.toUpperCase() === method) &&
        (r.match.pathIncludes === undefined || path.includes(r.match.pathIncludes)),
    );
    if (rule) {
      rule.remaining--;
      if (rule.remaining === 0) rules.splice(rules.indexOf(rule), 1);
    }
    return rule;
  }

  /** Fill what the API server assigns; `fresh` replaces identity, otherwise only what is missing. */
  function stamp(type: ResourceType, namespace: string, obj: Obj, fresh: boolean): StoredObject {
    const meta = metaOf(obj);
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    meta.namespace = namespace;
    if (fresh || typeof meta.uid !== 'string') meta.uid = randomUUID();
    if (fresh || typeof meta.creationTimestamp !== 'string') meta.creationTimestamp = now();
    if (type.name === 'tasks' || type.name === 'jobs') meta.generation = fresh ? 1 : (meta.generation ?? 1);
    meta.resourceVersion = nextVersion();
    return obj as StoredObject;
  }

  /** What the Job controller's defaulting adds on create: selector and pod template labels. */
  function defaultJob(job: Obj): void {
    const meta = metaOf(job);
    const spec = isObj(job.spec) ? job.spec : (job.spec = {});
    const template = isObj(spec.template) ? spec.template : (spec.template = {});
    const templateMeta = metaOf(template);
    const uid = meta.uid as string;
    const name = meta.name as string;
    templateMeta.labels = {
      ...(isObj(templateMeta.labels) ? templateMeta.labels : {}),
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    };
    spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    spec.backoffLimit ??= 6;
    spec.completions ??= 1;
    spec.parallelism ??= 1;
  }

  function validate(type: ResourceType, namespace: string, obj: Obj): void {
    const name = metaOf(obj).name as string;
    let causes: Cause[] = [];
    if (type.name === 'jobs') causes = validateJob(obj);
    else if (type.name === 'events') causes = validateEvent(obj, namespace);
    else {
      const error = validateName(name, 253, false);
      if (error) causes = [{ field: 'metadata.name', message: error }];
    }
    if (causes.length > 0) throw invalid(type, name, causes);
  }

  function create(type: ResourceType, namespace: string, body: unknown): StoredObject {
    if (!isObj(body)) throw new HttpError(400, 'the request body must be a JSON object');
    const obj = structuredClone(body);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(type)) {
      throw new HttpError(400, `apiVersion ${JSON.stringify(obj.apiVersion)} does not match ${apiVersionOf(type)}`);
    }
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw new HttpError(400, `kind ${JSON.stringify(obj.kind)} does not match ${type.kind}`);
    }
    const meta = metaOf(obj);
    if (meta.namespace !== undefined && meta.namespace !== namespace) {
      throw new HttpError(400, 'the namespace of the provided object does not match the namespace sent on the request');
    }
    if (!meta.name && typeof meta.generateName === 'string') meta.name = meta.generateName + randomSuffix();
    if (typeof meta.name !== 'string' || meta.name === '') {
      throw invalid(type, '', [{ field: 'metadata.name', message: 'name or generateName is required' }]);
    }
    const decodeError = decodeErrors(type.name, obj);
    if (decodeError) throw new HttpError(400, `${type.kind} in version "${type.version}" cannot be handled: ${decodeError}`);
    validate(type, namespace, obj);
    const key = keyOf(type.name, namespace, meta.name);
    if (store.has(key)) {
      throw new HttpError(409, `${qualifiedName(type)} "${meta.name}" already exists`, 'AlreadyExists', {
        name: meta.name,
        group: type.group,
        kind: type.name,
      });
    }
    if (type.statusSubresource) delete obj.status;
    const stored = stamp(type, namespace, obj, true);
    if (type.name === 'jobs') defaultJob(stored);
    store.set(key, stored);
    return stored;
  }

  function current(type: ResourceType, namespace: string, name: string): StoredObject {
    const obj = store.get(keyOf(type.name, namespace, name));
    if (!obj) throw notFound(type, name);
    return obj;
  }

  /** Shared by PUT and PATCH: optimistic concurrency, immutable identity, status subresource split. */
  function commit(type: ResourceType, before: StoredObject, next: unknown, subresource: string | undefined): StoredObject {
    if (!isObj(next)) throw new HttpError(400, 'the resulting object must be a JSON object');
    const beforeMeta = before.metadata;
    const nextMeta = metaOf(next);
    if (nextMeta.name !== undefined && nextMeta.name !== beforeMeta.name) {
      throw new HttpError(400, `the name of the object (${String(nextMeta.name)}) does not match the name on the URL (${String(beforeMeta.name)})`);
    }
    if (nextMeta.resourceVersion !== undefined && nextMeta.resourceVersion !== beforeMeta.resourceVersion) {
      throw new HttpError(
        409,
        `Operation cannot be fulfilled on ${qualifiedName(type)} "${String(beforeMeta.name)}": the object has been modified; please apply your changes to the latest version and try again`,
        'Conflict',
        { name: beforeMeta.name, group: type.group, kind: type.name },
      );
    }
    let result: Obj;
    if (subresource === 'status') {
      result = structuredClone(before);
      if (next.status === undefined) delete result.status;
      else result.status = structuredClone(next.status);
    } else {
      result = structuredClone(next);
      if (type.statusSubresource) {
        if (before.status === undefined) delete result.status;
        else result.status = structuredClone(before.status);
      }
    }
    const meta = metaOf(result);
    for (const key of ['name', 'namespace', 'uid', 'creationTimestamp']) meta[key] = beforeMeta[key];
    if (type.name === 'tasks' || type.name === 'jobs') {
      const generation = typeof beforeMeta.generation === 'number' ? beforeMeta.generation : 1;
      meta.generation = isDeepStrictEqual(before.spec, result.spec) ? generation : generation + 1;
    }
    result.apiVersion = apiVersionOf(type);
    result.kind = type.kind;
    meta.resourceVersion = nextVersion();
    const stored = result as StoredObject;
    store.set(keyOf(type.name, meta.namespace as string, meta.name as string), stored);
    return stored;
  }

  function patch(type: ResourceType, obj: StoredObject, subresource: string | undefined, contentType: string | undefined, body: unknown): StoredObject {
    const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
    let next: unknown;
    try {
      if (mediaType === 'application/merge-patch+json') next = applyMergePatch(obj, body);
      else if (mediaType === 'application/json-patch+json') next = applyJsonPatch(obj, body);
      else if (mediaType === 'application/strategic-merge-patch+json' && type.builtIn) next = applyMergePatch(obj, body);
      else throw new HttpError(415, `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json${type.builtIn ? ', application/strategic-merge-patch+json' : ''}`);
    } catch (err) {
      if (err instanceof PatchError) throw new HttpError(422, `the patch could not be applied: ${err.message}`, 'Invalid');
      throw err;
    }
    return commit(type, obj, next, subresource);
  }

  /** Whether an object is in a list or watch: its namespace, label and field selectors. */
  function selection(type: ResourceType, namespace: string | undefined, query: Record<string, string>): (obj: StoredObject) => boolean {
    let matches: (labels: Record<string, string> | undefined) => boolean = () => true;
    if (query.labelSelector) {
      try {
        matches = parseLabelSelector(query.labelSelector);
      } catch (err) {
        if (err instanceof SelectorError) throw new HttpError(400, `unable to parse requirement: ${err.message}`);
        throw err;
      }
    }
    const fieldFilters: [string[], string][] = [];
    for (const term of (query.fieldSelector ?? '').split(',').filter((t) => t !== '')) {
      const [field, value] = term.split('=', 2) as [string, string | undefined];
      const involved = type.name === 'events' && /^involvedObject\.(kind|name|namespace|uid)$/.test(field);
      if ((field !== 'metadata.name' && field !== 'metadata.namespace' && !involved) || value === undefined) {
        throw new HttpError(400, `field label not supported: ${field}`);
      }
      fieldFilters.push([field.split('.'), value]);
    }
    const fieldOf = (obj: Obj, path: string[]) => path.reduce<unknown>((at, part) => (isObj(at) ? at[part] : undefined), obj);
    return (obj) =>
      (namespace === undefined || obj.metadata.namespace === namespace) &&
      fieldFilters.every(([path, value]) => fieldOf(obj, path) === value) &&
      matches(obj.metadata.labels as Record<string, string> | undefined);
  }

  /** Streams the changes after `resourceVersion` as watch events, one JSON document a line. */
  function serveWatch(req: IncomingMessage, res: ServerResponse, type: ResourceType, namespace: string | undefined, query: Record<string, string>): void {
    const selected = selection(type, namespace, query);
    const from = Number(query.resourceVersion ?? resourceVersion);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // The real server answers a watch at once; client-node's watch waits for these headers.
    res.flushHeaders();
    const send = (change: WatchChange) => {
      if (change.resource !== type.name || change.resourceVersion <= from || !selected(change.obj)) return;
      const object: Obj = structuredClone(change.obj);
      if (change.type === 'DELETED') (object.metadata as Obj).resourceVersion = String(change.resourceVersion);
      res.write(`${JSON.stringify({ type: change.type, object })}\n`);
    };
    for (const change of history) send(change);
    watchers.add(send);
    const end = () => {
      watchers.delete(send);
      if (!res.writableEnded) res.end();
    };
    const timeout = nonNegativeInt(query, 'timeoutSeconds');
    if (timeout !== undefined) {
      const timer = setTimeout(end, timeout * 1000);
      req.on('close', () => clearTimeout(timer));
    }
    req.on('close', () => watchers.delete(send));
  }

  function list(type: ResourceType, namespace: string | undefined, query: Record<string, string>): Obj {
    const selected = selection(type, namespace, query);
    const all = [...store.entries()]
      .filter(([key, obj]) => key.startsWith(`${type.name}/`) && selected(obj))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let start = 0;
    if (query.continue) {
      const after = Buffer.from(query.continue, 'base64url').toString();
      start = all.findIndex(([key]) => key > after);
      if (start < 0) start = all.length;
    }
    const limit = nonNegativeInt(query, 'limit') || all.length;
    const page = all.slice(start, start + limit);
    const more = start + page.length < all.length;
    const listMeta: Obj = { resourceVersion: String(resourceVersion) };
    if (more) {
      listMeta.continue = Buffer.from(page[page.length - 1]?.[0] ?? '').toString('base64url');
      listMeta.remainingItemCount = all.length - start - page.length;
    }
    return {
      apiVersion: apiVersionOf(type),
      kind: `${type.kind}List`,
      metadata: listMeta,
      items: page.map(([, obj]) => {
        const item: Obj = structuredClone(obj);
        // The real server leaves apiVersion/kind off the items of built-in lists.
        if (type.builtIn) {
          delete item.apiVersion;
          delete item.kind;
        }
        return item;
      }),
    };
  }

  function podLog(namespace: string, name: string, query: Record<string, string>): Buffer {
    const pod = current(RESOURCES.pods, namespace, name);
    const spec = isObj(pod.spec) ? pod.spec : {};
    const declared = Array.isArray(spec.containers)
      ? spec.containers.map((c: unknown) => (isObj(c) ? String(c.name) : ''))
      : [];
    const withLogs = [...logs.keys()]
      .filter((k) => k.startsWith(`${namespace}/${name}/`))
      .map((k) => k.slice(`${namespace}/${name}/`.length));
    const containers = declared.length > 0 ? declared : withLogs;
    let container = query.container;
    if (!container) {
      if (containers.length !== 1) {
        throw new HttpError(400, `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
      }
      container = containers[0] as string;
    } else if (!containers.includes(container)) {
      throw new HttpError(400, `container ${container} is not valid for pod ${name}`);
    }
    const lines = nonNegativeInt(query, 'tailLines');
    const limitBytes = nonNegativeInt(query, 'limitBytes');
    if (limitBytes === 0) throw new HttpError(422, 'limitBytes: Invalid value: 0: must be greater than 0', 'Invalid');
    let buf: Buffer = Buffer.from(logs.get(`${namespace}/${name}/${container}`) ?? '', 'utf8');
    if (lines !== undefined) buf = tailLines(buf, lines);
    if (limitBytes !== undefined) buf = buf.subarray(0, limitBytes);
    return buf;
  }

  function route(method: string, url: URL, contentType: string | undefined, body: unknown): { code: number; json?: unknown; text?: Buffer } {
    const api = parseApiPath(url.pathname);
    const type = api && findResource(api);
    if (!api || !type || (api.subresource !== undefined && !type.subresources.includes(api.subresource))) {
      throw new HttpError(404, 'the server could not find the requested resource');
    }
    const query = Object.fromEntries(url.searchParams);
    if (api.name === undefined) {
      if (method === 'GET') {
        return { code: 200, json: list(type, api.namespace, query) };
      }
      if (method === 'POST' && api.namespace !== undefined) return { code: 201, json: create(type, api.namespace, body) };
      throw new HttpError(405, `${method} is not supported on ${url.pathname}`);
    }
    if (api.namespace === undefined) throw new HttpError(404, 'the server could not find the requested resource');
    if (api.subresource === 'log') {
      if (method !== 'GET') throw new HttpError(405, `${method} is not supported on ${url.pathname}`);
      return { code: 200, text: podLog(api.namespace, api.name, query) };
    }
    const obj = current(type, api.namespace, api.name);
    switch (method) {
      case 'GET':
        return { code: 200, json: obj };
      case 'PUT':
        return { code: 200, json: commit(type, obj, body, api.subresource) };
      case 'PATCH':
        return { code: 200, json: patch(type, obj, api.subresource, contentType, body) };
      case 'DELETE': {
        if (api.subresource !== undefined) break;
        const preconditions = ((body ?? {}) as { preconditions?: { uid?: string; resourceVersion?: string } }).preconditions ?? {};
        if (preconditions.uid !== undefined && preconditions.uid !== obj.metadata.uid) {
          throw new HttpError(409, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${String(obj.metadata.uid)}`, 'Conflict');
        }
        store.delete(keyOf(type.name, api.namespace, api.name));
        // The garbage collector: what the object owned goes with it, and what that owned
        // (a Task's Job, the Job's pods), as background propagation does.
        const gone = new Set([String(obj.metadata.uid)]);
        for (let more = true; more; ) {
          more = false;
          for (const [key, other] of store) {
            const owners = (other.metadata.ownerReferences ?? []) as Array<{ uid?: string }>;
            if (owners.some((o) => o.uid !== undefined && gone.has(o.uid))) {
              store.delete(key);
              gone.add(String(other.metadata.uid));
              more = true;
            }
          }
        }
        return {
          code: 200,
          json: { ...statusBody(200, ''), details: { name: api.name, group: type.group, kind: type.name, uid: obj.metadata.uid } },
        };
      }
    }
    throw new HttpError(405, `${method} is not supported on ${url.pathname}`);
  }

  function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new HttpError(413, 'the request body is too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://fake-apiserver');
    const contentType = req.headers['content-type'];
    const raw = await readBody(req);
    const text = raw.toString('utf8');
    let body: unknown = text === '' ? undefined : text;
    let bodyIsJson = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
        bodyIsJson = true;
      } catch {
        // recorded as text; answered 400 below when the route needs a body
      }
    }
    requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), contentType, body, at: performance.now() });

    const rule = takeRule(method, url.pathname);
    if (rule?.fault) {
      if (rule.delayMs > 0) await sleep(rule.delayMs);
      if (closed || res.destroyed) return;
      const fault = rule.fault;
      if (fault.status === 'reset') {
        req.socket.destroy();
        return;
      }
      const reason = fault.reason ?? (fault.status === 409 && method === 'POST' ? 'AlreadyExists' : undefined);
      const details: Obj | undefined = fault.retryAfter !== undefined ? { retryAfterSeconds: fault.retryAfter } : undefined;
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
      const message = fault.message ?? `injected fault: ${fault.status} for ${method} ${url.pathname}`;
      sendJson(res, fault.status, statusBody(fault.status, message, reason, details), headers);
      return;
    }
    // The request takes effect now; only the answer waits (a client that gives up meanwhile
    // never learns that its write landed, as with a real server).
    const api = parseApiPath(url.pathname);
    const listed = api && api.name === undefined ? findResource(api) : undefined;
    if (method === 'GET' && listed && (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1')) {
      try {
        serveWatch(req, res, listed, api?.namespace, Object.fromEntries(url.searchParams));
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        sendJson(res, err.code, statusBody(err.code, err.message, err.reason, err.details));
      }
      return;
    }
    let result: { code: number; json?: unknown; text?: Buffer };
    try {
      if (text !== '' && !bodyIsJson && (method === 'POST' || method === 'PUT' || method === 'PATCH')) {
        throw new HttpError(400, 'the request body is not valid JSON');
      }
      result = route(method, url, contentType, body);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      result = { code: err.code, json: statusBody(err.code, err.message, err.reason, err.details) };
    }
    if (rule && rule.delayMs > 0) await sleep(rule.delayMs);
    if (closed || res.destroyed) return;
    if (result.text !== undefined) {
      res.writeHead(result.code, { 'Content-Type': 'text/plain', 'Content-Length': result.text.length });
      res.end(result.text);
    } else {
      sendJson(res, result.code, result.json);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) sendJson(res, err.code, statusBody(err.code, err.message, err.reason, err.details));
      else sendJson(res, 500, statusBody(500, `fake API server failure: ${String(err)}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const api: FakeApiServer = {
    url,
    requests,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'fake', token: 'fake-token' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', namespace: 'default' }],
        currentContext: 'fake',
      });
      return kc;
    },
    put(kind, obj) {
      const type = RESOURCES[kind];
      const copy = structuredClone(obj) as Obj;
      const meta = metaOf(copy);
      if (typeof meta.name !== 'string' || meta.name === '') throw new Error(`put(${kind}): metadata.name is required`);
      const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
      const stored = stamp(type, namespace, copy, false);
      store.set(keyOf(kind, namespace, meta.name), stored);
      return structuredClone(stored);
    },
    get(kind, namespace, name) {
      const obj = store.get(keyOf(kind, namespace, name));
      return obj && structuredClone(obj);
    },
    list(kind, namespace) {
      return [...store.values()]
        .filter((obj) => obj.kind === RESOURCES[kind].kind && (namespace === undefined || obj.metadata.namespace === namespace))
        .map((obj) => structuredClone(obj));
    },
    remove(kind, namespace, name) {
      return store.delete(keyOf(kind, namespace, name));
    },
    setPodLog(namespace, pod, container, text) {
      logs.set(`${namespace}/${pod}/${container}`, text);
    },
    addJobPod(namespace, jobName, options = {}) {
      const job = store.get(keyOf('jobs', namespace, jobName));
      if (!job) throw new Error(`addJobPod: no Job ${namespace}/${jobName}`);
      const spec = isObj(job.spec) ? job.spec : {};
      const template = isObj(spec.template) ? spec.template : {};
      const templateMeta = isObj(template.metadata) ? template.metadata : {};
      const podName = options.podName ?? `${jobName}-${randomSuffix()}`;
      const pod = api.put('pods', {
        metadata: {
          name: podName,
          namespace,
          labels: {
            ...(isObj(templateMeta.labels) ? templateMeta.labels : {}),
            'job-name': jobName,
            'batch.kubernetes.io/job-name': jobName,
            'controller-uid': job.metadata.uid,
          },
          ownerReferences: [
            { apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true },
          ],
          ...(options.creationTimestamp ? { creationTimestamp: options.creationTimestamp } : {}),
        },
        spec: structuredClone(isObj(template.spec) ? template.spec : {}),
        status: { phase: options.phase ?? 'Succeeded' },
      });
      for (const [container, text] of Object.entries(options.logs ?? {})) api.setPodLog(namespace, podName, container, text);
      return pod;
    },
    failNext(match, response, times = 1) {
      rules.push({ match, remaining: times, delayMs: response.delayMs ?? 0, fault: response });
    },
    delayNext(match, delayMs, times = 1) {
      rules.push({ match, remaining: times, delayMs });
    },
    clearRequests() {
      requests.length = 0;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      for (const entry of pendingTimers) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}
