/**
 * What the fake API server knows about each resource it serves, how it reads a request
 * path, and the request attributes RBAC would check (apiGroup, resource, verb) — the same
 * resolution the real API server performs, so tests can derive a Role from recorded traffic.
 */

export type ResourceName = 'tasks' | 'workspaces' | 'agentconfigs' | 'taskspawners' | 'jobs' | 'pods' | 'events';

export interface ResourceType {
  name: ResourceName;
  group: string;
  version: string;
  kind: string;
  /** Built-in kinds drop apiVersion/kind from list items and accept strategic merge patches. */
  builtIn: boolean;
  /** With a status subresource, writes to the object keep its status and vice versa. */
  statusSubresource: boolean;
  subresources: string[];
}

export const RESOURCES: Record<ResourceName, ResourceType> = {
  tasks: { name: 'tasks', group: 'axon.io', version: 'v1alpha1', kind: 'Task', builtIn: false, statusSubresource: true, subresources: ['status'] },
  workspaces: { name: 'workspaces', group: 'axon.io', version: 'v1alpha1', kind: 'Workspace', builtIn: false, statusSubresource: false, subresources: [] },
  agentconfigs: { name: 'agentconfigs', group: 'axon.io', version: 'v1alpha1', kind: 'AgentConfig', builtIn: false, statusSubresource: false, subresources: [] },
  taskspawners: { name: 'taskspawners', group: 'axon.io', version: 'v1alpha1', kind: 'TaskSpawner', builtIn: false, statusSubresource: true, subresources: ['status'] },
  jobs: { name: 'jobs', group: 'batch', version: 'v1', kind: 'Job', builtIn: true, statusSubresource: true, subresources: ['status'] },
  pods: { name: 'pods', group: '', version: 'v1', kind: 'Pod', builtIn: true, statusSubresource: true, subresources: ['status', 'log'] },
  events: { name: 'events', group: '', version: 'v1', kind: 'Event', builtIn: true, statusSubresource: false, subresources: [] },
};

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** `tasks.axon.io`, `jobs.batch`, `pods` — how the API server names a resource in messages. */
export function qualifiedName(type: ResourceType): string {
  return type.group === '' ? type.name : `${type.name}.${type.group}`;
}

export interface ApiPath {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** `/api/v1/...` or `/apis/<group>/<version>/...`, namespaced or cluster-wide; undefined otherwise. */
export function parseApiPath(pathname: string): ApiPath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length < 1 || rest.length > 3) return undefined;
  const [plural, name, subresource] = rest as [string, string | undefined, string | undefined];
  return { group, version, plural, namespace, name, subresource };
}

export function findResource(path: ApiPath): ResourceType | undefined {
  return Object.values(RESOURCES).find(
    (r) => r.group === path.group && r.version === path.version && r.name === path.plural,
  );
}

export interface RequestAttributes {
  apiGroup: string;
  /** `tasks`, `tasks/status`, `pods/log` — as written in an RBAC rule. */
  resource: string;
  verb: string;
  namespace?: string;
  name?: string;
}

/** The RBAC attributes of a request, as the API server's request-info resolver derives them. */
export function requestAttributes(request: { method: string; path: string; query: Record<string, string> }): RequestAttributes | undefined {
  const api = parseApiPath(request.path);
  if (!api) return undefined;
  const method = request.method.toUpperCase();
  const watch = request.query.watch === 'true' || request.query.watch === '1';
  let verb: string;
  if (api.name === undefined) {
    verb = { GET: watch ? 'watch' : 'list', POST: 'create', DELETE: 'deletecollection' }[method] ?? method.toLowerCase();
  } else {
    verb = { GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method] ?? method.toLowerCase();
  }
  const resource = api.subresource ? `${api.plural}/${api.subresource}` : api.plural;
  return { apiGroup: api.group, resource, verb, namespace: api.namespace, name: api.name };
}
