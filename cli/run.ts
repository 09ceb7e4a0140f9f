/**
 * `dendrite run`: applies Task and Secret manifests to the local mode (the real functions, the
 * local broker and cluster) and shows the Tasks until nothing more can happen; then a summary.
 * Exit code: 0 all succeeded, 1 some failed or stalled, 2 nothing ran (bad input), 130 Ctrl-C.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createAgentResolver, AgentNotFoundError, findOnPath } from '../shared/local/agents.js';
import { CommandLineError } from '../shared/local/command-line.js';
import { startLocalEngine, type LocalEngine } from './engine.js';
import { loadManifests, ManifestError, type ManifestDoc, type Manifests } from '../shared/local/manifests.js';
import { SecretError } from '../shared/local/secrets.js';
import { loadTriggers } from '../shared/local/triggers.js';
import type { Task } from '../shared/task/model.js';
import { AGENT_TYPES, type AgentType } from '../shared/task/model.js';
import { loadSchemas } from './check/schema.js';
import { refusalsOf } from './refusals.js';
import type { CliContext } from './context.js';
import { openStore, type OpenedStore } from './store.js';
import { painter, type Colour } from './view/format.js';
import { readableLines } from './view/agent-log.js';
import { LineSplitter } from './view/lines.js';
import { formatLogLine } from './view/log-line.js';
import { reportsOf } from './reports.js';
import { formatLeftovers, formatSummary, jsonReport } from './view/summary.js';
import { formatPodDirectories } from './view/pods.js';
import { TaskTable } from './view/table.js';

export interface RunOptions {
  paths: string[];
  agent?: string;
  /** Leave each Task's pod directory (its clone) in place, and say where. */
  keepWorkspaces?: boolean;
  redis?: string;
  logs: boolean;
  output: 'table' | 'json';
  namespace: string;
  verbose: boolean;
}

/** How the run learns about Ctrl-C; `exit` ends the process at once (a second Ctrl-C). */
export interface RunHooks {
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  onExit(handler: () => void): () => void;
  exit(code: number): void;
}

const LOG_COLOURS: Colour[] = ['cyan', 'magenta', 'blue', 'yellow', 'green'];
const STOP_GRACE_MS = 2000;

function usedTypes(manifests: Manifests): AgentType[] {
  const types = new Set(manifests.tasks.map((doc) => (doc.object.spec as Record<string, unknown>).type));
  return AGENT_TYPES.filter((type) => types.has(type));
}

export async function runCommand(options: RunOptions, ctx: CliContext, hooks: RunHooks): Promise<number> {
  const started = ctx.now();
  const json = options.output === 'json';
  // With --output json, stdout carries only the JSON; everything for people goes to stderr.
  const ui = json ? ctx.stderr : ctx.stdout;
  const uiColor = json ? ctx.color.stderr : ctx.color.stdout;
  const fail = (message: string) => {
    ctx.stderr.write(`dendrite run: ${message}\n`);
    return 2;
  };

  let manifests: Manifests;
  try {
    manifests = loadManifests(options.paths);
  } catch (err) {
    if (err instanceof ManifestError) return fail(err.message);
    throw err;
  }
  if (manifests.tasks.length === 0) {
    return fail(`no Task manifests (apiVersion: axon.io/v1alpha1, kind: Task) in ${options.paths.join(' ')}`);
  }
  const { refusals: refused, notes } = refusalsOf(manifests, loadSchemas(ctx.crdFiles), options.namespace);
  if (refused.length > 0) {
    for (const line of refused.flatMap((r) => r.lines)) ctx.stderr.write(`${line}\n`);
    return fail(`${refused.map((r) => r.reason).join('; ')}; nothing was run (\`dendrite validate\` checks more)`);
  }
  for (const note of notes) ctx.stderr.write(`dendrite run: note: ${note}\n`);
  let agent;
  try {
    agent = createAgentResolver({ agent: options.agent, pathList: ctx.pathList, standInAgent: ctx.standInAgent, cwd: ctx.cwd });
    for (const type of usedTypes(manifests)) agent(type);
  } catch (err) {
    if (err instanceof AgentNotFoundError || err instanceof CommandLineError) return fail(err.message);
    throw err;
  }
  if (manifests.tasks.some((doc) => (doc.object.spec as Record<string, unknown> | undefined)?.workspaceRef) && !findOnPath('git', ctx.pathList)) {
    return fail('Tasks with a Workspace clone it with git, which is not on PATH — install git (e.g. apt-get install git)');
  }

  let store: OpenedStore;
  try {
    store = await openStore(options.redis ?? ctx.redisUrl);
  } catch (err) {
    return fail((err as Error).message);
  }

  const namespaces = new Set(
    manifests.tasks.map((doc) => String((doc.object.metadata as Record<string, unknown>).namespace ?? options.namespace)),
  );
  const showNamespace = namespaces.size > 1;
  const table = new TaskTable({ out: ui, live: Boolean(ui.isTTY), color: uiColor, now: ctx.now, showNamespace });
  const paint = painter(uiColor);
  const colours = new Map<string, Colour>();
  const agentOf = new Map<string, string>();
  const logLines = new LineSplitter((source, line) => {
    if (!colours.has(source)) colours.set(source, LOG_COLOURS[colours.size % LOG_COLOURS.length] as Colour);
    const label = showNamespace ? source : source.slice(source.indexOf('/') + 1);
    for (const readable of readableLines(agentOf.get(source) ?? '', line)) table.log(`${paint(colours.get(source) as Colour, label)} | ${readable}`);
  });
  const log = pino(
    { level: options.verbose ? 'info' : 'warn', base: null, timestamp: false },
    { write: (line: string) => table.log(formatLogLine(line)) },
  );

  const renderer = ctx.createRenderer();
  // Tasks are registered with their templates checked in the render process: have it ready first.
  const warming = renderer.warm();
  // Every Job's pod gets a directory of its own in here: its clone, or an empty one to run in.
  const podRoot = mkdtempSync(join(ctx.tmpDir, 'dendrite-run-'));
  let engine: LocalEngine;
  try {
    engine = await startLocalEngine({
      store: store.store,
      renderer,
      renderLimits: ctx.renderLimits,
      triggers: loadTriggers(ctx.triggersFile),
      log,
      agent,
      baseEnv: { PATH: ctx.pathList, HOME: ctx.home },
      podRoot,
      sourceDir: ctx.cwd,
      now: ctx.now,
      onTaskChange: (task) => table.update(task),
      // Verbose: every CloudEvent the broker takes in, to follow the flow between the functions.
      onEvent: options.verbose ? (event) => table.log(paint('gray', `event ${event.type} ${event.subject ?? ''}`)) : undefined,
      onAgentOutput: options.logs
        ? (job, chunk) => {
            const source = `${job.namespace}/${job.name}`;
            agentOf.set(source, job.agent);
            logLines.push(source, chunk.toString('utf8'));
          }
        : undefined,
    });
  } catch (err) {
    rmSync(podRoot, { recursive: true, force: true });
    await Promise.all([store.close(), renderer.close()]);
    throw err;
  }
  // Last resort when the process ends abruptly: no agent outlives it, the cursor comes back.
  const removeExitHook = hooks.onExit(() => {
    engine.cluster.killJobsNow();
    table.stop();
  });

  let tasks: Task[] = [];
  let interrupted = false;
  let wake: () => void = () => {};
  const removeSignalHook = hooks.onSignal(() => {
    if (interrupted) {
      // A second Ctrl-C: no more waiting for agents to end politely.
      engine.cluster.killJobsNow();
      hooks.exit(130);
      return;
    }
    interrupted = true;
    wake();
  });

  try {
    try {
      await warming;
      table.start([]);
      const inNamespace = (doc: ManifestDoc) => {
        const meta = (doc.object.metadata ?? {}) as Record<string, unknown>;
        return meta.namespace ? doc.object : { ...doc.object, metadata: { ...meta, namespace: options.namespace } };
      };
      tasks = engine.apply({
        secrets: manifests.secrets.map((doc) => doc.object),
        workspaces: manifests.workspaces.map(inNamespace),
        agentConfigs: manifests.agentConfigs.map(inNamespace),
        tasks: manifests.tasks.map(inNamespace),
      });
    } catch (err) {
      table.stop();
      if (err instanceof SecretError) return fail(err.message);
      throw err;
    }

    await new Promise<void>((resolve) => {
      const poll = setInterval(() => engine.quiet() && finish(), 20);
      const finish = () => {
        clearInterval(poll);
        resolve();
      };
      wake = finish;
      if (interrupted) finish();
    });

    const stoppedAt = ctx.now();
    // A Ctrl-C after everything ended interrupts nothing: the run's outcome stands.
    const stopped = interrupted;
    if (stopped) {
      engine.broker.close(); // what the killed agents' Jobs report now is not acted on
      const running = engine.cluster.runningJobs();
      table.log(paint('yellow', `Interrupted: stopping ${running} running agent${running === 1 ? '' : 's'}…`));
      await engine.cluster.stopJobs(STOP_GRACE_MS);
    }
    logLines.flush();
    table.stop();

    const reports = await reportsOf(engine, tasks, stopped, stoppedAt);
    ui.write(formatSummary(reports, { color: uiColor, showNamespace, wallMs: ctx.now().getTime() - started.getTime() }));
    const lost = engine.broker.deadLetters.length;
    if (lost > 0) ui.write(paint('red', `${lost} event(s) could not be delivered (dead-lettered); see the errors above\n`));
    const leftovers = engine.cluster.leftovers();
    if (leftovers.length > 0) ui.write(formatLeftovers(leftovers, { color: uiColor, showNamespace }));
    if (options.keepWorkspaces) ui.write(formatPodDirectories(engine.cluster.podDirectories(), podRoot, { color: uiColor, showNamespace }));
    if (json) ctx.stdout.write(`${JSON.stringify(jsonReport(reports), null, 2)}\n`);
    if (stopped) return 130;
    return reports.every((r) => r.outcome === 'succeeded') ? 0 : 1;
  } finally {
    removeSignalHook();
    await engine.close();
    await engine.cluster.stopJobs(STOP_GRACE_MS);
    removeExitHook();
    if (!options.keepWorkspaces) rmSync(podRoot, { recursive: true, force: true });
    await Promise.all([store.close(), renderer.close()]);
  }
}
