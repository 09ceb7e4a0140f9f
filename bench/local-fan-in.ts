/**
 * The fan-in the README advertises, run locally as a user would: `dendrite run` of one Task
 * depending on N Tasks, each agent a trivial program (`true`), everything else real — the
 * functions' apps over HTTP, the local broker, the local cluster, the agent spawner, the
 * in-memory store. Measured: wall time of the whole run (start to exit), peak resident memory
 * of the CLI process and of its agent spawner (VmHWM, sampled from /proc while it runs), and
 * that every Task succeeded with no event dead-lettered.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain, printSection } from './support/main.js';
import { fmt, table } from './support/stats.js';

export interface LocalFanInOptions {
  width: number;
  /** The agent command every Task runs. */
  agent?: string;
  timeoutMs?: number;
}

export interface LocalFanInResult {
  width: number;
  tasks: number;
  succeeded: number;
  deadLetters: number;
  exitCode: number | null;
  wallMs: number;
  peakRssMiB: number;
  spawnerPeakRssMiB: number;
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export function fanInManifests(width: number): string {
  const parts = ['apiVersion: v1\nkind: Secret\nmetadata: {name: keys}\nstringData: {ANTHROPIC_API_KEY: not-a-real-key}\n'];
  const spec = 'type: claude-code, credentials: {type: api-key, secretRef: {name: keys}}';
  for (let i = 0; i < width; i++) parts.push(`apiVersion: axon.io/v1alpha1\nkind: Task\nmetadata: {name: leaf-${i}}\nspec: {${spec}, prompt: "part ${i}"}\n`);
  const deps = Array.from({ length: width }, (_, i) => `leaf-${i}`).join(', ');
  // The root reads one dependency by name, as a fan-in prompt usually does.
  parts.push(
    `apiVersion: axon.io/v1alpha1\nkind: Task\nmetadata: {name: root}\nspec: {${spec}, dependsOn: [${deps}], ` +
      `prompt: 'combine: {{ index .Deps "leaf-0" "Outputs" }}'}\n`,
  );
  return parts.join('---\n');
}

/** VmHWM (peak resident set) of a process, MiB; 0 once it is gone. */
async function peakRss(pid: number): Promise<number> {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The agent spawner: the CLI's child running spawner-main.js. */
async function spawnerOf(pid: number): Promise<number | undefined> {
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      if ((await readFile(`/proc/${entry}/cmdline`, 'utf8')).includes('spawner-main.js')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export async function runLocalFanIn(options: LocalFanInOptions): Promise<LocalFanInResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dendrite-local-fan-in-'));
  try {
    await writeFile(join(dir, 'tasks.yaml'), fanInManifests(options.width));
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, 'run', dir, '--agent', options.agent ?? 'true', '-o', 'json'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let peak = 0;
    let spawnerPeak = 0;
    let spawner: number | undefined;
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      peak = Math.max(peak, await peakRss(child.pid!));
      spawner ??= await spawnerOf(child.pid!);
      if (spawner !== undefined) spawnerPeak = Math.max(spawnerPeak, await peakRss(spawner));
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    const exitCode = await exited;
    const wallMs = performance.now() - started;
    clearTimeout(timer);
    let phases: string[] = [];
    try {
      phases = (JSON.parse(stdout) as Array<{ phase: string }>).map((t) => t.phase);
    } catch {
      throw new Error(`dendrite run printed no JSON (exit ${exitCode}):\n${stderr.slice(-2000)}`);
    }
    return {
      width: options.width,
      tasks: phases.length,
      succeeded: phases.filter((p) => p === 'Succeeded').length,
      deadLetters: Number(/(\d+) event\(s\) could not be delivered/.exec(stderr)?.[1] ?? 0),
      exitCode,
      wallMs,
      peakRssMiB: peak,
      spawnerPeakRssMiB: spawnerPeak,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const FULL_LOCAL_FAN_IN = { widths: [1000, 10_000] };

export function localFanInReport(results: LocalFanInResult[]): string {
  return [
    '`dendrite run` of one Task depending on N Tasks, every agent `true`, `-o json`; wall time from start to exit; ' +
      'peak RSS = VmHWM of the CLI process and of its agent spawner.',
    '',
    table(
      ['N', 'Tasks', 'Succeeded', 'dead letters', 'exit', 'wall s', 'Tasks/s', 'peak RSS MiB (CLI)', 'peak RSS MiB (spawner)'],
      results.map((r) => [r.width, r.tasks, r.succeeded, r.deadLetters, String(r.exitCode), r.wallMs / 1000, (r.tasks * 1000) / r.wallMs, r.peakRssMiB, r.spawnerPeakRssMiB]),
    ),
    '',
    results.every((r) => r.succeeded === r.tasks && r.deadLetters === 0 && r.exitCode === 0)
      ? 'Every Task succeeded, no event was dead-lettered.'
      : `NOT every run finished cleanly: ${results.map((r) => `N=${r.width}: ${r.succeeded}/${r.tasks}, ${r.deadLetters} dead letters, exit ${r.exitCode}`).join('; ')}`,
    `(${results.map((r) => `N=${r.width}: ${fmt(r.wallMs / 1000)} s`).join(', ')})`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const results: LocalFanInResult[] = [];
  for (const width of FULL_LOCAL_FAN_IN.widths) results.push(await runLocalFanIn({ width }));
  printSection('Local fan-in (dendrite run)', localFanInReport(results));
}
