/**
 * Replays the Dockerfile without a Docker engine, as far as a test can: the build context
 * filtered by .dockerignore, each stage's COPY steps (every source must be in the context),
 * `npm ci` (the checkout's node_modules stands in), the compile step, the bundle step (which
 * starts each function once to write its code cache), and the final stage's copy of the
 * bundles. What is left is the image's /app, to start the functions from.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { contextFiles, dockerignore, execForm, parseCopy, parseDockerfile, type Stage } from './dockerfile.js';

export interface ReplayedImage {
  /** The temporary directory holding every stage; remove it when done. */
  root: string;
  /** The final stage's working directory (/app), on disk. */
  appDir: string;
  stages: Stage[];
  cmd: string[];
  /** The final stage's last USER. */
  user: string | undefined;
  /** Steps replayed, for the test's diagnostics. */
  steps: string[];
}

/** A local install, build or history must never reach the image. */
export const NEVER_SENT = ['node_modules', 'dist', '.git'];

function workdirOf(stage: Stage): string {
  const workdirs = stage.instructions.filter((i) => i.keyword === 'WORKDIR').map((i) => i.args);
  if (workdirs.length !== 1) throw new Error(`stage ${stage.name ?? stage.image}: expected one WORKDIR, found ${workdirs.length}`);
  return workdirs[0]!;
}

function copyFromContext(repo: string, context: string[], sources: string[], dest: string, into: string): void {
  for (const source of sources) {
    const clean = source.replace(/^\.\//, '').replace(/\/$/, '');
    const files = context.filter((f) => f === clean || f.startsWith(`${clean}/`));
    if (files.length === 0) throw new Error(`COPY ${source}: not in the build context (missing, or excluded by .dockerignore)`);
    for (const file of files) {
      const target = file === clean
        ? (dest.endsWith('/') || sources.length > 1 ? join(into, dest, basename(file)) : join(into, dest))
        : join(into, dest, file.slice(clean.length + 1));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(repo, file), target);
    }
  }
}

export function replayImageBuild(repo: string): ReplayedImage {
  const stages = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
  const ignore = readFileSync(join(repo, '.dockerignore'), 'utf8');
  const excluded = dockerignore(ignore);
  for (const dir of NEVER_SENT) {
    if (!excluded(`${dir}/x`)) throw new Error(`.dockerignore must exclude ${dir}/`);
  }
  const context = contextFiles(repo, ignore);
  const root = mkdtempSync(join(tmpdir(), 'dendrite-image-'));
  const dirs = new Map<string, string>();
  const steps: string[] = [];

  stages.forEach((stage, index) => {
    const label = stage.name ?? String(index);
    const workdir = workdirOf(stage);
    const dir = join(root, `stage-${index}`, workdir);
    mkdirSync(dir, { recursive: true });
    dirs.set(label, dir);
    for (const { keyword, args } of stage.instructions) {
      if (keyword === 'COPY') {
        const copy = parseCopy(args);
        if (copy.from === undefined) {
          copyFromContext(repo, context, copy.sources, copy.dest, dir);
        } else {
          const fromDir = dirs.get(copy.from);
          if (!fromDir) throw new Error(`COPY --from=${copy.from}: no such earlier stage`);
          const fromWorkdir = workdirOf(stages.find((s, i) => (s.name ?? String(i)) === copy.from)!);
          for (const source of copy.sources) {
            if (!source.startsWith(`${fromWorkdir}/`)) throw new Error(`COPY --from=${copy.from} ${source}: outside that stage's ${fromWorkdir}`);
            const path = join(fromDir, source.slice(fromWorkdir.length + 1));
            if (!existsSync(path)) throw new Error(`COPY --from=${copy.from} ${source}: the stage did not produce it`);
            cpSync(path, join(dir, copy.dest), { recursive: true });
          }
        }
        steps.push(`${label}: COPY ${args}`);
      } else if (keyword === 'RUN') {
        for (const command of args.split('&&').map((c) => c.trim())) {
          if (/^npm ci\b/.test(command)) {
            // The checkout's own install stands in; production-only is checked on the imports.
            if (!existsSync(join(dir, 'package-lock.json'))) throw new Error(`${label}: npm ci before package-lock.json is copied`);
            if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
          } else if (/^npx tsc\b/.test(command)) {
            const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
            const run = spawnSync(process.execPath, [tsc, ...command.split(/\s+/).slice(2)], { cwd: dir, encoding: 'utf8' });
            if (run.status !== 0) throw new Error(`${label}: ${command} failed:\n${run.stdout}${run.stderr}`);
          } else if (/^node scripts\/bundle\.mjs$/.test(command)) {
            const run = spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: dir, encoding: 'utf8' });
            if (run.status !== 0) throw new Error(`${label}: ${command} failed:\n${run.stdout}${run.stderr}`);
          } else if (/^npm cache clean\b/.test(command)) {
            // Nothing to replay.
          } else {
            throw new Error(`${label}: RUN ${command} is not replayed by this test; teach it`);
          }
          steps.push(`${label}: RUN ${command}`);
        }
      } else if (!['WORKDIR', 'ENV', 'USER', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'LABEL', 'ARG'].includes(keyword)) {
        throw new Error(`${label}: ${keyword} is not replayed by this test; teach it`);
      }
    }
  });

  const final = stages.at(-1)!;
  const cmd = final.instructions.filter((i) => i.keyword === 'CMD').at(-1);
  if (!cmd) throw new Error('the final stage has no CMD');
  return {
    root,
    appDir: dirs.get(final.name ?? String(stages.length - 1))!,
    stages,
    cmd: execForm(cmd.args),
    user: final.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args,
    steps,
  };
}
