#!/usr/bin/env node
/**
 * The `dendrite` command. The only place the CLI reads the environment and the process:
 * everything else gets what it needs through CliContext.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from './context.js';
import { ConfigError, jobConfigOf, readJobSettings, readRenderSettings, type RenderSettings } from '../shared/runtime/config.js';
import type { JobConfig } from '../shared/job/build.js';
import { createIsolatedRenderer } from '../shared/template/isolated/host.js';
import { jobCommand } from './job.js';
import { renderCommand } from './render.js';
import { runCommand, type RunHooks } from './run.js';
import { DEFAULT_SERVE_PORT, serveCommand } from './serve.js';
import { validateCommand } from './validate.js';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

function colourFor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

let render: RenderSettings;
let jobConfig: JobConfig;
try {
  render = readRenderSettings(process.env);
  // The launcher's own settings (DENDRITE_IMAGE_*, DENDRITE_JOB_BACKOFF_LIMIT), for `dendrite job`.
  jobConfig = jobConfigOf(readJobSettings(process.env));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`dendrite: ${err.message}\n`);
  process.exit(2);
}
const renderProcess = new URL('../shared/template/isolated/child.js', import.meta.url);

const context: CliContext = {
  stdout: process.stdout,
  stderr: process.stderr,
  color: { stdout: colourFor(process.stdout), stderr: colourFor(process.stderr) },
  pathList: process.env.PATH ?? '',
  home: process.env.HOME ?? '',
  redisUrl: process.env.REDIS_URL || undefined,
  cwd: process.cwd(),
  tmpDir: tmpdir(),
  triggersFile: root('knative/triggers.yaml'),
  crdFiles: { task: root('crds/task.yaml'), workspace: root('crds/workspace.yaml'), agentConfig: root('crds/agentconfig.yaml'), taskSpawner: root('crds/taskspawner.yaml') },
  standInAgent: root('examples/agents/stand-in-agent.mjs'),
  uiDir: root('dist/ui'),
  now: () => new Date(),
  renderLimits: render.renderLimits,
  createRenderer: () => createIsolatedRenderer({ entry: renderProcess, maxMemoryMb: render.renderMemoryMb }),
};

const hooks: RunHooks = {
  onSignal(handler) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
  onExit(handler) {
    process.on('exit', handler);
    return () => process.off('exit', handler);
  },
  exit: (code) => process.exit(code),
};

const version = (JSON.parse(readFileSync(root('package.json'), 'utf8')) as { version: string }).version;

const program = new Command('dendrite')
  .description('Run coding-agent Tasks (axon.io/v1alpha1) locally, and check them before kubectl apply.')
  .version(version)
  .exitOverride()
  .showHelpAfterError('(run dendrite --help for usage)');

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free one)');
  return n;
}
/** `90m`, `7d`, `2w`…: how far ahead the spawners' clock starts. */
const duration = (value: string): number => {
  const match = /^(\d+)(m|h|d|w)$/.exec(value);
  if (!match) throw new InvalidArgumentError('a duration such as 90m, 12h, 7d or 2w');
  return Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 'm' | 'h' | 'd' | 'w'];
};
const fastForwardOption = () =>
  new Option('--fast-forward <duration>', "start the TaskSpawners' clock this far ahead (e.g. 7d): the cron ticks in between are due at once (at most 10)").argParser(duration);

const githubApiOption = () =>
  new Option('--github-api <url>', "the GitHub REST API TaskSpawners with when.githubIssues read (default: their Workspace host's, e.g. https://api.github.com)");

const namespaceOption = () => new Option('-n, --namespace <name>', 'namespace of manifests that name none').default('default');

program
  .command('run')
  .description('run Tasks on this machine: the real functions, an in-process broker, each Job a child process')
  .argument('<paths...>', 'Task, Workspace, AgentConfig and Secret manifests: files or directories')
  .option('--agent <command>', "command that runs every agent; the rendered prompt is appended as its last argument (default: each type's own CLI, e.g. claude)")
  .option('--redis <url>', 'coordinate through this Redis instead of memory (default: $REDIS_URL)')
  .option('--logs', "stream the agents' output above the table")
  .option('--keep-workspaces', "keep each Task's clone (and the directory a Task without a Workspace ran in) after the run, and print where")
  .addOption(new Option('-o, --output <format>', 'table, or json: print the results as JSON on stdout at the end').choices(['table', 'json']).default('table'))
  .option('--ui', 'serve the dashboard (the live DAG) on 127.0.0.1 during the run, and after it until Ctrl-C')
  .addOption(new Option('--ui-port <n>', 'port of the dashboard (0 picks a free one)').argParser(port).default(0))
  .addOption(namespaceOption())
  .option('-v, --verbose', "show the functions' own log lines")
  .addOption(fastForwardOption())
  .addOption(githubApiOption())
  .action(
    async (
      paths: string[],
      opts: {
        agent?: string;
        redis?: string;
        logs?: boolean;
        keepWorkspaces?: boolean;
        output: 'table' | 'json';
        ui?: boolean;
        uiPort: number;
        namespace: string;
        verbose?: boolean;
        fastForward?: number;
        githubApi?: string;
      },
    ) => {
      const { ui, uiPort, fastForward, ...rest } = opts;
      process.exitCode = await runCommand(
        {
          paths,
          ...rest,
          logs: Boolean(opts.logs),
          keepWorkspaces: Boolean(opts.keepWorkspaces),
          verbose: Boolean(opts.verbose),
          dashboardPort: ui ? uiPort : undefined,
          fastForwardMs: fastForward,
        },
        context,
        hooks,
      );
    },
  );

program
  .command('serve')
  .description('run the local mode as a server until Ctrl-C: POST CloudEvents to it (task.submit, job.completed, …), watch /api/tasks and /api/events')
  .argument('[paths...]', 'Task and Secret manifests to apply at the start: files or directories')
  .option('--agent <command>', "command that runs every agent; the rendered prompt is appended as its last argument (default: each type's own CLI, e.g. claude)")
  .option('--redis <url>', 'coordinate through this Redis instead of memory (default: $REDIS_URL)')
  .option('--logs', "stream the agents' output above the table")
  .addOption(new Option('--port <n>', 'port to listen on (0 picks a free one)').argParser(port).default(DEFAULT_SERVE_PORT))
  .option('--host <address>', 'address to listen on; anything but loopback needs a token', '127.0.0.1')
  .option('--github-webhook-secret <file>', 'take signed GitHub webhook deliveries on POST /github, checked with the secret in this file')
  .addOption(new Option('--token <token>', 'require "Authorization: Bearer <token>" on every request').env('DENDRITE_SERVE_TOKEN'))
  .addOption(namespaceOption())
  .option('-v, --verbose', "show the functions' own log lines")
  .addOption(fastForwardOption())
  .addOption(githubApiOption())
  .action(
    async (
      paths: string[],
      opts: { agent?: string; redis?: string; logs?: boolean; port: number; host: string; token?: string; namespace: string; verbose?: boolean; fastForward?: number; githubApi?: string; githubWebhookSecret?: string },
    ) => {
      const { fastForward, ...rest } = opts;
      process.exitCode = await serveCommand({ paths, ...rest, logs: Boolean(opts.logs), verbose: Boolean(opts.verbose), fastForwardMs: fastForward }, context, hooks);
    },
  );

program
  .command('dashboard')
  .description("show a cluster's Tasks as a live graph in your browser, read-only, served on 127.0.0.1 with your kubeconfig")
  .option('--context <name>', 'the kubeconfig context to use (default: the current one)')
  .option('-n, --namespace <name>', "the namespace to show (default: the context's)")
  .option('-A, --all-namespaces', 'show the Tasks of every namespace')
  .addOption(new Option('--port <n>', 'port to listen on (0 picks a free one)').argParser(port).default(0))
  .action(async (opts: { context?: string; namespace?: string; allNamespaces?: boolean; port: number }) => {
    // client-node takes a second to load: only this command needs it.
    const [{ KubeConfig }, { dashboardCommand }] = await Promise.all([import('@kubernetes/client-node'), import('./dashboard.js')]);
    const loadKubeConfig = () => {
      const kc = new KubeConfig();
      kc.loadFromDefault();
      return kc;
    };
    process.exitCode = await dashboardCommand({ ...opts, allNamespaces: Boolean(opts.allNamespaces) }, context, hooks, loadKubeConfig);
  });

program
  .command('render')
  .description("print a Task's prompt as its agent would receive it, given its dependencies' outputs")
  .argument('<file>', 'manifest holding the Task')
  .option('--deps <file>', 'YAML/JSON: each dependency name → its output lines, or {outputs, results}')
  .option('--task <name>', 'which Task, when the file holds several')
  .addOption(namespaceOption())
  .action(async (file: string, opts: { deps?: string; task?: string; namespace: string }) => {
    process.exitCode = await renderCommand({ file, ...opts }, context);
  });

program
  .command('job')
  .description('print the Job(s) Dendrite would create for Tasks, as YAML (like kubectl create --dry-run=client -o yaml)')
  .argument('<paths...>', 'Task manifests, with the Workspaces and AgentConfigs they name: files or directories')
  .option('--task <name>', 'only this Task')
  .option('--deps <file>', "YAML/JSON: each dependency name → its output lines, or {outputs, results}, to render the prompt")
  .addOption(namespaceOption())
  .action(async (paths: string[], opts: { task?: string; deps?: string; namespace: string }) => {
    process.exitCode = await jobCommand({ paths, ...opts }, context, jobConfig);
  });

program
  .command('validate')
  .description('check manifests before kubectl apply: CRD schemas, Task rules, unknown dependencies and references, cycles, template syntax, kinds Dendrite does not act on')
  .argument('<paths...>', 'manifests: files or directories')
  .addOption(namespaceOption())
  .action(async (paths: string[], opts: { namespace: string }) => {
    process.exitCode = await validateCommand({ paths, ...opts }, context);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  // Help and version exit 0; a usage error exits 2, like most CLIs.
  process.exitCode = err.exitCode === 0 ? 0 : 2;
}
