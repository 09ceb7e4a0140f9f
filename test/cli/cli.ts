/** Running the built `dendrite` CLI as a user would, and small helpers for its tests. */
import { DEFAULT_RENDER_LIMITS } from '../../shared/template/index.js';
import { isolatedRenderer } from '../support/renderer.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/cli/, so the repository root is three levels up.
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');
export const EXAMPLE = join(ROOT, 'examples/05-orchestrator');
export const STAND_IN = `${JSON.stringify(process.execPath)} examples/agents/stand-in-agent.mjs`;

/** `--agent` value for a scripted fixture agent, recording into `record` when given. */
export function scripted(name: string, record?: string): string {
  const file = join(ROOT, 'test/fixtures/agents', `${name}.mjs`);
  return [process.execPath, file, ...(record ? [record] : [])].map((w) => JSON.stringify(w)).join(' ');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  result: Promise<CliResult>;
  /** Everything printed so far. */
  output(): string;
}

/** Environment for the CLI: a clean one, so nothing of the test runner's leaks in by accident. */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NO_COLOR: '1', ...extra };
}

export function startCli(args: string[], env: Record<string, string> = cliEnv(), cwd = ROOT): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, result, output: () => stdout + stderr };
}

export function runCli(args: string[], env?: Record<string, string>, cwd?: string): Promise<CliResult> {
  const running = startCli(args, env, cwd);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 60_000);
  return running.result.finally(() => clearTimeout(timer));
}

export function tempDir(prefix = 'dendrite-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes files into a new temp dir: name → content. */
export function writeFiles(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export interface Recorded {
  behaviour: string;
  argv: string[];
  env: Record<string, string>;
  /** Where the agent ran. */
  cwd: string;
}

/** What each scripted agent run wrote into its record dir. */
export function recorded(dir: string): Recorded[] {
  return readdirSync(dir)
    .filter((f) => /^\d+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Recorded);
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether a process still exists (a zombie waiting to be reaped counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A Task manifest; `extra` is merged into spec. */
export function taskYaml(name: string, prompt: string, extra: Record<string, unknown> = {}): string {
  const spec = {
    type: 'claude-code',
    prompt,
    credentials: { type: 'api-key', secretRef: { name: 'keys' } },
    ...extra,
  };
  return `---\n${JSON.stringify({ apiVersion: 'axon.io/v1alpha1', kind: 'Task', metadata: { name }, spec })}\n`;
}

export const SECRET = `---\n${JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { ANTHROPIC_API_KEY: 'sk-test-secret' } })}\n`;

export interface JsonTask {
  name: string;
  phase: string;
  message: string | null;
  outputs: string[];
  results: Record<string, string>;
  prompt: string | null;
  response: string;
  usage: { inputTokens: number; outputTokens: number; costUSD?: number } | null;
}

export function parseJson(result: CliResult): JsonTask[] {
  try {
    return JSON.parse(result.stdout) as JsonTask[];
  } catch (err) {
    throw new Error(`stdout is not JSON (${(err as Error).message}):\n${result.stdout}\n--- stderr:\n${result.stderr}`);
  }
}

export interface Captured {
  stdout: string;
  stderr: string;
}

/** A CliContext whose streams are captured, for calling commands in-process. */
export function captureContext(): { ctx: import('../../cli/context.js').CliContext; captured: Captured } {
  const captured: Captured = { stdout: '', stderr: '' };
  const ctx = {
    stdout: { write: (text: string) => (captured.stdout += text) },
    stderr: { write: (text: string) => (captured.stderr += text) },
    color: { stdout: false, stderr: false },
    pathList: process.env.PATH ?? '',
    home: process.env.HOME ?? '',
    cwd: ROOT,
    tmpDir: tmpdir(),
    triggersFile: join(ROOT, 'knative/triggers.yaml'),
    crdFiles: { task: join(ROOT, 'crds/task.yaml'), workspace: join(ROOT, 'crds/workspace.yaml'), agentConfig: join(ROOT, 'crds/agentconfig.yaml'), taskSpawner: join(ROOT, 'crds/taskspawner.yaml') },
    standInAgent: join(ROOT, 'examples/agents/stand-in-agent.mjs'),
    uiDir: join(ROOT, 'dist/ui'),
    now: () => new Date(),
    renderLimits: DEFAULT_RENDER_LIMITS,
    createRenderer: () => isolatedRenderer(),
  };
  return { ctx, captured };
}
