/**
 * `dendrite dashboard [--context C] [-n NS | -A]`: the dashboard against a cluster, with the
 * user's kubeconfig, reading only (list/watch Tasks; get Jobs, list Events and pods, read pod
 * logs), served on 127.0.0.1 like `kubectl proxy`, until Ctrl-C.
 * Exit code: 0 after Ctrl-C, 2 when it could not start (no configuration, no such context,
 * the Tasks cannot be listed).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { checkKubeConfig, KubeConfigError } from '../shared/cluster/kube-config.js';
import type { CliContext } from './context.js';
import { clusterDashboardSource } from './dashboard/cluster-source.js';
import { DashboardServerError, startDashboardServer, type DashboardServer } from './dashboard/server.js';
import { EventStream } from './serve/event-stream.js';
import type { RunHooks } from './session.js';
import { formatLogLine } from './view/log-line.js';

export interface DashboardOptions {
  context?: string;
  /** -n; the context's namespace (else default) when neither this nor allNamespaces is given. */
  namespace?: string;
  allNamespaces: boolean;
  port: number;
}

/** Loads the user's kubeconfig (KUBECONFIG, ~/.kube/config, or in-cluster), as kubectl does. */
export type KubeConfigLoader = () => KubeConfig;

function describeError(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  if (typeof e.code === 'number') {
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
    const message = /"message":"([^"]*)"/.exec(body)?.[1];
    return `the API server answered ${e.code}${message ? `: ${message}` : ''}`;
  }
  return e.message ?? String(err);
}

export async function dashboardCommand(options: DashboardOptions, ctx: CliContext, hooks: RunHooks, loadKubeConfig: KubeConfigLoader): Promise<number> {
  const fail = (message: string) => {
    ctx.stderr.write(`dendrite dashboard: ${message}\n`);
    return 2;
  };
  if (options.allNamespaces && options.namespace !== undefined) return fail('give -n NAMESPACE or -A, not both');
  const kc = loadKubeConfig();
  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context)) {
      return fail(`no context "${options.context}" in the Kubernetes configuration (kubectl config get-contexts lists them)`);
    }
    kc.setCurrentContext(options.context);
  }
  try {
    checkKubeConfig(kc);
  } catch (err) {
    if (err instanceof KubeConfigError) return fail(err.message);
    throw err;
  }
  const namespace = options.allNamespaces ? undefined : (options.namespace ?? (kc.getContextObject(kc.getCurrentContext())?.namespace || 'default'));
  const log = pino({ level: 'warn', base: null, timestamp: false }, { write: (line: string) => ctx.stderr.write(`${formatLogLine(line)}\n`) });
  const stream = new EventStream();
  const source = clusterDashboardSource(kc, {
    namespace,
    stream,
    onWatchError: (err) => ctx.stderr.write(`dendrite dashboard: watching Tasks failed (${describeError(err)}); trying again\n`),
  });
  let server: DashboardServer | undefined;
  let removeSignal: (() => void) | undefined;
  try {
    try {
      await source.started;
    } catch (err) {
      return fail(`cannot list Tasks ${namespace === undefined ? 'in any namespace' : `in namespace ${namespace}`}: ${describeError(err)}`);
    }
    try {
      server = await startDashboardServer({ source, uiDir: ctx.uiDir, log, port: options.port });
    } catch (err) {
      if (err instanceof DashboardServerError) return fail(err.message);
      throw err;
    }
    const where = namespace === undefined ? 'every namespace' : `namespace ${namespace}`;
    ctx.stdout.write(
      `dendrite dashboard: the Tasks of ${where} (context ${kc.getCurrentContext()}, ${kc.getCurrentCluster()?.server ?? ''}) at ${server.pageUrl}\n` +
        '  Read-only, this machine only. Ctrl-C stops.\n',
    );
    await new Promise<void>((resolve) => {
      removeSignal = hooks.onSignal(() => resolve());
    });
    return 0;
  } finally {
    removeSignal?.();
    source.stop();
    stream.close();
    await server?.close();
  }
}
