/**
 * Stands in for Knative's ApiServerSource (Resource mode) over the fake API server: each call
 * to `poll()` turns what changed since the last call into add / update / delete CloudEvents
 * carrying the whole object — including the status patches the functions themselves make,
 * as a real watch would.
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { APISERVER_ADD, APISERVER_DELETE, APISERVER_UPDATE } from '../../shared/events/types.js';
import type { FakeApiServer, StoredObject } from './fake-apiserver.js';

interface Watched {
  resource: 'tasks' | 'workspaces' | 'agentconfigs' | 'jobs';
  /** Only objects this accepts are sent (the Job source selects `axon.io/task`). */
  select: (obj: StoredObject) => boolean;
  plural: string;
  group: string;
}

const WATCHED: Watched[] = [
  { resource: 'tasks', plural: 'tasks', group: 'axon.io/v1alpha1', select: () => true },
  // The references source (knative/sources.yaml): the objects Tasks name.
  { resource: 'workspaces', plural: 'workspaces', group: 'axon.io/v1alpha1', select: () => true },
  { resource: 'agentconfigs', plural: 'agentconfigs', group: 'axon.io/v1alpha1', select: () => true },
  {
    resource: 'jobs',
    plural: 'jobs',
    group: 'batch/v1',
    select: (obj) => typeof (obj.metadata.labels as Record<string, string> | undefined)?.['axon.io/task'] === 'string',
  },
];

export function apiServerEvent(type: string, obj: StoredObject): CloudEvent<unknown> {
  const meta = obj.metadata as { name: string; namespace: string };
  const apiVersion = obj.apiVersion as string;
  const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const plural = obj.kind === 'Task' ? 'tasks' : `${String(obj.kind).toLowerCase()}s`;
  return new CloudEvent<unknown>({
    specversion: '1.0',
    id: randomUUID(),
    type,
    source: 'https://fake-apiserver.test',
    subject: `${path}/namespaces/${meta.namespace}/${plural}/${meta.name}`,
    datacontenttype: 'application/json',
    data: obj,
    kind: obj.kind as string,
    name: meta.name,
    namespace: meta.namespace,
    apiversion: apiVersion,
  } as never);
}

export class ApiServerSourceSimulator {
  private readonly seen = new Map<string, { version: string; last: StoredObject }>();

  constructor(private readonly api: FakeApiServer) {}

  poll(): CloudEvent<unknown>[] {
    const events: CloudEvent<unknown>[] = [];
    const present = new Set<string>();
    for (const watched of WATCHED) {
      for (const obj of this.api.list(watched.resource)) {
        if (!watched.select(obj)) continue;
        const key = `${watched.resource}/${String(obj.metadata.namespace)}/${String(obj.metadata.name)}`;
        present.add(key);
        const version = String(obj.metadata.resourceVersion);
        const before = this.seen.get(key);
        if (before?.version === version) continue;
        this.seen.set(key, { version, last: obj });
        events.push(apiServerEvent(before ? APISERVER_UPDATE : APISERVER_ADD, obj));
      }
    }
    for (const [key, { last }] of this.seen) {
      if (present.has(key)) continue;
      this.seen.delete(key);
      events.push(apiServerEvent(APISERVER_DELETE, last));
    }
    return events;
  }
}
