/**
 * A real `git daemon` on loopback for tests, serving bare repositories built in its own temp
 * dir (--export-all --base-path=<dir>): git:// URLs that git clones as it would any server's.
 * Started on a free port; stopped (its process group) by `stop()` or when the test process exits.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface GitDaemon {
  /** git://127.0.0.1:<port>/<name>.git */
  url(name: string): string;
  /** The bare repository's directory, to read what was pushed. */
  path(name: string): string;
  stop(): Promise<void>;
}

/** Each branch with the files of its one commit, and only those (the first branch is the default one). */
export type RepoSpec = Record<string, Record<string, string>>;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid) process.kill(-child.pid, 'SIGKILL');
});

const quiet = { stdio: 'ignore' as const };

/** Builds `<base>/<name>.git` with one commit per branch. */
function buildRepo(base: string, name: string, branches: RepoSpec): void {
  const work = mkdtempSync(join(tmpdir(), 'dendrite-repo-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: work, ...quiet, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
  const [first, ...rest] = Object.keys(branches);
  git('init', '-q', '-b', first!);
  for (const branch of [first!, ...rest]) {
    // Each branch holds exactly its own files.
    if (branch !== first) git('switch', '-q', '--orphan', branch);
    for (const [file, content] of Object.entries(branches[branch]!)) writeFileSync(join(work, file), content);
    git('add', '-A');
    git('commit', '-q', '-m', `${branch} commit`);
  }
  git('checkout', '-q', first!);
  execFileSync('git', ['clone', '-q', '--bare', work, join(base, `${name}.git`)], quiet);
  rmSync(work, { recursive: true, force: true });
}

async function answers(url: string): Promise<boolean> {
  try {
    execFileSync('git', ['ls-remote', url], { ...quiet, timeout: 2000 });
    return true;
  } catch {
    return false;
  }
}

export async function startGitDaemon(repos: Record<string, RepoSpec>): Promise<GitDaemon> {
  const base = mkdtempSync(join(tmpdir(), 'dendrite-git-daemon-'));
  for (const [name, branches] of Object.entries(repos)) buildRepo(base, name, branches);
  const port = await freePort();
  const child = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base], {
    detached: true,
    stdio: 'ignore',
  });
  running.add(child);
  const url = (name: string) => `git://127.0.0.1:${port}/${name}.git`;
  const first = Object.keys(repos)[0]!;
  const until = Date.now() + 10_000;
  while (!(await answers(url(first)))) {
    if (Date.now() > until || child.exitCode !== null) {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      throw new Error(`git daemon did not answer on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    path: (name) => join(base, `${name}.git`),
    async stop() {
      running.delete(child);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
      rmSync(base, { recursive: true, force: true });
    },
  };
}
