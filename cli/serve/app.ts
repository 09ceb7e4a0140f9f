/**
 * The HTTP face of `dendrite serve`:
 * - `POST /`: the local Broker's ingress. A CloudEvent in binary or structured mode, checked
 *   as every receiver checks one, is accepted (202) and routed by the Triggers; what a function
 *   then refuses shows on the console and as a `dead-letter` message, as a Broker's dead letter
 *   sink would hold it.
 * - `GET /api/tasks` (`?namespace=`): every Task as a TaskView, oldest first.
 * - `GET /api/events`: Server-Sent Events — the Tasks as they are, then each change.
 * - `GET /ui/`: the dashboard (with a token, opened as `/ui/#token=<token>`), and the rest of
 *   its data API (cli/dashboard/app.ts).
 */
import express from 'express';
import type { HttpApp } from '../../shared/http/routes.js';
import type { CloudEvent } from 'cloudevents';
import type { Logger } from 'pino';
import { createFunctionApp } from '../../shared/http/function-app.js';
import { createDashboardPage, createDashboardRouter, type DashboardRouterOptions } from '../dashboard/app.js';
import { createGuard, type GuardOptions } from './guard.js';

export interface ServeAppOptions {
  guard: GuardOptions;
  /** Further receivers by path (the GitHub webhook's, at /github), behind the same guard. */
  mounts?: Record<string, HttpApp>;
  /** Accepts an event for delivery (the local broker's publish). */
  publish(event: CloudEvent<unknown>): Promise<void>;
  /** The Triggers that route this event (none: it is accepted and dropped, as by a Broker). */
  routesFor(event: CloudEvent<unknown>): string[];
  /** The Tasks, their stream and the page: /api/tasks, /api/events, /ui/. */
  dashboard: Omit<DashboardRouterOptions, 'log'>;
  log: Logger;
  /** Sees each event the ingress accepted, with the Triggers it goes to. */
  onAccepted?(event: CloudEvent<unknown>, routes: string[]): void;
}

export const INGRESS_NAME = 'broker-ingress';

export function createServeApp(options: ServeAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // The page holds no data (a browser cannot send a bearer token to open it); its data API is guarded.
  app.use(createDashboardPage(options.dashboard.uiDir));
  app.use(createGuard(options.guard));

  app.get('/', (_req, res) => {
    res.json({
      ingress: 'POST / — a CloudEvent (binary or structured mode), routed by knative/triggers.yaml',
      tasks: 'GET /api/tasks[?namespace=NS]',
      events: 'GET /api/events — Server-Sent Events: task, task-deleted, cloudevent, dead-letter',
      dashboard: 'GET /ui/ — the Tasks as a live graph',
    });
  });
  app.use(createDashboardRouter({ ...options.dashboard, log: options.log }));

  for (const [path, mounted] of Object.entries(options.mounts ?? {})) app.use(path, mounted);

  // The ingress is a receiver that takes every type: the same parsing, limits and answers as a function's.
  app.use(
    createFunctionApp({
      name: INGRESS_NAME,
      handlers: {},
      anyData: true,
      log: options.log,
      fallback: async (event) => {
        const routes = options.routesFor(event);
        await options.publish(event);
        options.onAccepted?.(event, routes);
      },
    }),
  );
  return app;
}
