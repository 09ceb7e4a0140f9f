/**
 * What `dendrite run` and `dendrite serve` share: manifests checked as `dendrite validate`
 * would, then the local engine with its index, render process, agents and live table, and the
 * Ctrl-C rules (the first stops politely, a second at once). The commands differ only in when
 * they stop and what they serve meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { ValidateFunction } from 'ajv';
import { AgentNotFoundError, createAgentResolver, findOnPath } from '../shared/local/agents.js';
import { CommandLineError } from '../shared/local/command-line.js';
import { loadManifests, ManifestError, type ManifestDoc, type Manifests } from '../shared/local/manifests.js';
import { loadTriggers } from '../shared/local/triggers.js';
import type { DeadLetter } from '../shared/local/broker.js';
import { AGENT_TYPES, type AgentType, type Task } from '../shared/task/model.js';
import type { CloudEvent } from 'cloudevents';
import { loadSchemas } from './check/schema.js';
import type { CliContext, Output } from './context.js';
import { startLocalEngine, type AppliedManifests, type LocalEngine } from './engine.js';
import { refusalsOf } from './refusals.js';
import { openStore } from './store.js';
import { readableLines } from './view/agent-log.js';
import { painter, type Colour, type Paint } from './view/format.js';
import { LineSplitter } from './view/lines.js';
import { formatLogLine } from './view/log-line.js';
import { TaskTable } from './view/table.js';

/** A problem with what the user gave: the command prints it and exits 2. */
export class SessionError extends Error {
  override readonly name = 'SessionError';
}

/** How a command learns about Ctrl-C; `exit` ends the process at once (a second Ctrl-C). */
export interface RunHooks {
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  onExit(handler: () => void): () => void;
  exit(code: number): void;
}

export interface CheckedManifests {
  manifests: Manifests;
  /** The Task CRD's schema, for task-submit. */
  schema: ValidateFunction;
  /** Every namespace the manifests put Tasks in. */
  taskNamespaces: string[];
  /** Those and the default one: where task-submit may create Tasks. */
  namespaces: string[];
}

/** Loads and checks manifests; throws SessionError with what to fix. */
export function checkManifests(command: string, paths: readonly string[], ctx: CliContext, namespace: string, requireTasks: boolean): CheckedManifests {
  let manifests: Manifests;
  try {
    manifests = loadManifests([...paths]);
  } catch (err) {
    if (err instanceof ManifestError) throw new SessionError(err.message);
    throw err;
  }
  if (requireTasks && manifests.tasks.length === 0 && manifests.taskSpawners.length === 0) {
    throw new SessionError(`no Task or TaskSpawner manifests (apiVersion: axon.io/v1alpha1) in ${paths.join(' ')}`);
  }
  const schemas = loadSchemas(ctx.crdFiles);
  const { refusals: refused, notes } = refusalsOf(manifests, schemas, namespace);
  if (refused.length > 0) {
    for (const line of refused.flatMap((r) => r.lines)) ctx.stderr.write(`${line}\n`);
    throw new SessionError(`${refused.map((r) => r.reason).join('; ')}; nothing was run (\`dendrite validate\` checks more)`);
  }
  for (const note of notes) ctx.stderr.write(`${command}: note: ${note}\n`);
  const taskNamespaces = [...new Set([...manifests.tasks, ...manifests.taskSpawners].map((doc) => String((doc.object.metadata as Record<string, unknown>).namespace || namespace)))];
  return { manifests, schema: schemas.Task, taskNamespaces, namespaces: [...new Set([namespace, ...taskNamespaces])] };
}

/** What the engine applies from the manifests, each in the namespace given when it names none. */
export function appliedOf(manifests: Manifests, namespace: string): AppliedManifests {
  const inNamespace = (doc: ManifestDoc) => {
    const meta = (doc.object.metadata ?? {}) as Record<string, unknown>;
    return meta.namespace ? doc.object : { ...doc.object, metadata: { ...meta, namespace } };
  };
  return {
    secrets: manifests.secrets.map((doc) => doc.object),
    workspaces: manifests.workspaces.map(inNamespace),
    agentConfigs: manifests.agentConfigs.map(inNamespace),
    tasks: manifests.tasks.map(inNamespace),
    taskSpawners: manifests.taskSpawners.map(inNamespace),
  };
}

/** The spec of each Task, and the Task template of each TaskSpawner: what the Jobs will run. */
function taskSpecs(manifests: Manifests): Array<Record<string, unknown> | undefined> {
  return [
    ...manifests.tasks.map((doc) => doc.object.spec as Record<string, unknown> | undefined),
    ...manifests.taskSpawners.map((doc) => (doc.object.spec as Record<string, Record<string, unknown>> | undefined)?.taskTemplate),
  ];
}

function usedTypes(manifests: Manifests): AgentType[] {
  const types = new Set(taskSpecs(manifests).map((spec) => spec?.type));
  return AGENT_TYPES.filter((type) => types.has(type));
}

export interface SessionOptions {
  checked: CheckedManifests;
  agent?: string;
  redis?: string;
  logs: boolean;
  verbose: boolean;
  /** Leave each Task's pod directory (its clone) in place. */
  keepWorkspaces?: boolean;
  /** The spawners' clock starts this far ahead (ms): cron ticks in between are due at once. */
  fastForwardMs?: number;
  /** The GitHub REST API the GitHub spawners read (e.g. a fake); the Workspace host's when absent. */
  githubApi?: string;
  /** Where the table and everything for people goes (stderr when stdout carries JSON). */
  ui: Output;
  uiColor: boolean;
  showNamespace: boolean;
  /** Sees every Task change, after the table. */
  onTaskChange?: (task: Task) => void;
  /** Sees every Task deleted by its ttlSecondsAfterFinished, after the table. */
  onTaskDeleted?: (task: Task) => void;
  /** Sees every CloudEvent the local broker takes in. */
  onEvent?: (event: CloudEvent<unknown>) => void;
  onDeadLetter?: (letter: DeadLetter) => void;
}

export interface LocalSession {
  manifests: Manifests;
  engine: LocalEngine;
  table: TaskTable;
  paint: Paint;
  /** The functions' logger: warnings and errors, or with --verbose everything, above the table. */
  log: Logger;
  /** Resolves when prompts can be rendered (Tasks are checked in the render process as they register). */
  warming: Promise<void>;
  /** Set by the first Ctrl-C. */
  readonly interrupted: boolean;
  /** Called on the first Ctrl-C (at once, if it came already). */
  onInterrupt(handler: () => void): void;
  /** Where every Job's pod got its own directory (removed at close unless kept). */
  podRoot: string;
  /** Prints what agents wrote without a final newline yet. */
  flushLogs(): void;
  /** Stops delivering and serving, stops agents (with grace), closes the index and the render process. */
  close(): Promise<void>;
}

const LOG_COLOURS: Colour[] = ['cyan', 'magenta', 'blue', 'yellow', 'green'];
export const STOP_GRACE_MS = 2000;

/** Throws SessionError for an agent that cannot be found or an index that cannot be reached. */
export async function openLocalSession(options: SessionOptions, ctx: CliContext, hooks: RunHooks): Promise<LocalSession> {
  const { manifests, schema, namespaces } = options.checked;
  let agent;
  try {
    agent = createAgentResolver({ agent: options.agent, pathList: ctx.pathList, standInAgent: ctx.standInAgent, cwd: ctx.cwd });
    for (const type of usedTypes(manifests)) agent(type);
  } catch (err) {
    if (err instanceof AgentNotFoundError || err instanceof CommandLineError) throw new SessionError(err.message);
    throw err;
  }
  if (taskSpecs(manifests).some((spec) => spec?.workspaceRef) && !findOnPath('git', ctx.pathList)) {
    throw new SessionError('Tasks with a Workspace clone it with git, which is not on PATH — install git (e.g. apt-get install git)');
  }

  let store;
  try {
    store = await openStore(options.redis ?? ctx.redisUrl);
  } catch (err) {
    throw new SessionError((err as Error).message);
  }

  const { ui, uiColor, showNamespace } = options;
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
  const warming = renderer.warm();
  // Every Job's pod gets a directory of its own in here: its clone, or an empty one to run in.
  const podRoot = mkdtempSync(join(ctx.tmpDir, 'dendrite-run-'));
  let engine: LocalEngine;
  try {
    engine = await startLocalEngine({
      store: store.store,
      renderer,
      submit: { schema, namespaces },
      renderLimits: ctx.renderLimits,
      triggers: loadTriggers(ctx.triggersFile),
      log,
      agent,
      baseEnv: { PATH: ctx.pathList, HOME: ctx.home },
      podRoot,
      sourceDir: ctx.cwd,
      now: ctx.now,
      fastForwardMs: options.fastForwardMs,
      githubApi: options.githubApi,
      onTaskChange: (task) => {
        table.update(task);
        options.onTaskChange?.(task);
      },
      onTaskDeleted: (task) => {
        const ttl = task.spec.ttlSecondsAfterFinished;
        const label = showNamespace ? `${task.metadata.namespace}/${task.metadata.name}` : task.metadata.name;
        table.remove(task, paint('gray', `${label} deleted: ${task.status?.phase ?? 'finished'} ${ttl} s ago (spec.ttlSecondsAfterFinished)`));
        options.onTaskDeleted?.(task);
      },
      onEvent: (event) => {
        // Verbose: every CloudEvent the broker takes in, to follow the flow between the functions.
        if (options.verbose) table.log(paint('gray', `event ${event.type} ${event.subject ?? ''}`));
        options.onEvent?.(event);
      },
      onDeadLetter: options.onDeadLetter,
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

  let interrupted = false;
  const interruptHandlers: Array<() => void> = [];
  const removeSignalHook = hooks.onSignal(() => {
    if (interrupted) {
      // A second Ctrl-C: no more waiting for agents to end politely.
      engine.cluster.killJobsNow();
      hooks.exit(130);
      return;
    }
    interrupted = true;
    for (const handler of interruptHandlers.splice(0)) handler();
  });

  return {
    manifests,
    engine,
    table,
    paint,
    log,
    warming,
    get interrupted() {
      return interrupted;
    },
    onInterrupt(handler) {
      if (interrupted) handler();
      else interruptHandlers.push(handler);
    },
    podRoot,
    flushLogs: () => logLines.flush(),
    async close() {
      removeSignalHook();
      await engine.close();
      await engine.cluster.stopJobs(STOP_GRACE_MS);
      removeExitHook();
      if (!options.keepWorkspaces) rmSync(podRoot, { recursive: true, force: true });
      await Promise.all([store.close(), renderer.close()]);
    },
  };
}
