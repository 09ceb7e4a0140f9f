import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp, type Handler, type HttpApp } from '../../shared/http/function-app.js';
import type { GitHubAccess } from '../../shared/spawner/github-source.js';
import type { SpawnerCluster } from '../../shared/spawner/port.js';
import type { SpawnerSlots } from '../../shared/spawner/slots.js';
import { recentSpawners, type RecentSpawners } from '../../shared/spawner/recent-list.js';
import { TASK_FAILED, TASK_SUCCEEDED } from '../../shared/events/types.js';
import { createCompletionHandler, createEventHandler, createTickHandler, type SpawnerHandlerDeps, type TaskSpawnerOptions } from './handler.js';

export const FUNCTION_NAME = 'task-spawner';

/** What a PingSource sends (type fixed by Knative). */
export const PING_EVENT = 'dev.knative.sources.ping';

export interface SpawnerPorts {
  spawners: SpawnerCluster;
  github: GitHubAccess;
  /** maxConcurrency's index (Redis in a cluster). */
  slots: SpawnerSlots;
}

function handlerDeps(deps: FlowDeps, ports: SpawnerPorts): SpawnerHandlerDeps {
  return { cluster: deps.cluster, ...ports, renderer: deps.renderer, renderLimits: deps.config.renderLimits, now: deps.now };
}

/** The event types this function takes by name (the Triggers must route these); every other type goes to the cloudEvent spawners. */
export function createHandlers(deps: FlowDeps, ports: SpawnerPorts, options: TaskSpawnerOptions, spawnerList = spawnerListFor(ports, options)): Record<string, Handler> {
  const completion = createCompletionHandler(handlerDeps(deps, ports), options);
  return { [PING_EVENT]: createTickHandler(handlerDeps(deps, ports), options, spawnerList), [TASK_SUCCEEDED]: completion, [TASK_FAILED]: completion };
}

function spawnerListFor(ports: SpawnerPorts, options: TaskSpawnerOptions): RecentSpawners {
  return recentSpawners(ports.spawners, options.namespaces, { maxAgeMs: options.spawnerListMaxAgeMs });
}

export function createApp(deps: FlowDeps, ports: SpawnerPorts, options: TaskSpawnerOptions): HttpApp {
  // One list for the tick and the events: the tick's fresh LIST serves the events after it.
  const spawnerList = spawnerListFor(ports, options);
  return createFunctionApp({
    name: FUNCTION_NAME,
    handlers: createHandlers(deps, ports, options, spawnerList),
    fallback: createEventHandler(handlerDeps(deps, ports), spawnerList),
    // Other systems' events carry whatever data they carry.
    anyData: true,
    log: deps.log,
    ready: () => deps.store.ping(),
    metrics: deps.metrics,
  });
}
