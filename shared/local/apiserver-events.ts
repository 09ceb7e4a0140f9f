/**
 * The CloudEvents a Knative ApiServerSource (Resource mode) sends for a watched object, built
 * the same way: type `dev.knative.apiserver.resource.<add|update|delete>`, subject
 * `/apis/<group>/<version>/namespaces/<ns>/<plural>/<name>` (core group: `/api/v1/...`),
 * extensions kind/name/namespace/apiversion, the whole object as data, a fresh id per send.
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { APISERVER_ADD, APISERVER_DELETE, APISERVER_UPDATE } from '../events/types.js';

export type WatchEventKind = 'add' | 'update' | 'delete';

const TYPES: Record<WatchEventKind, string> = { add: APISERVER_ADD, update: APISERVER_UPDATE, delete: APISERVER_DELETE };

export interface WatchedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

export function resourceSubject(apiVersion: string, plural: string, namespace: string, name: string): string {
  const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${prefix}/namespaces/${namespace}/${plural}/${name}`;
}

/**
 * One event for one change. `source` is the API server's URL, as ApiServerSource sets it;
 * the object is copied so later changes to it cannot alter an event already sent.
 */
export function resourceEvent(kind: WatchEventKind, object: WatchedObject, plural: string, source: string): CloudEvent<unknown> {
  const apiVersion = object.apiVersion ?? '';
  const name = object.metadata?.name ?? '';
  const namespace = object.metadata?.namespace ?? '';
  return new CloudEvent<unknown>({
    specversion: '1.0',
    id: randomUUID(),
    type: TYPES[kind],
    source,
    subject: resourceSubject(apiVersion, plural, namespace, name),
    datacontenttype: 'application/json',
    time: new Date().toISOString(),
    data: structuredClone(object),
    kind: object.kind ?? '',
    name,
    namespace,
    apiversion: apiVersion,
  });
}
