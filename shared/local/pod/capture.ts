/**
 * The agent image's capture step, after the agent exits: the branch it left checked out in the
 * clone (`branch: <name>`) and, when gh is installed, the pull requests open for it
 * (`pr: <url>`), as one output block. It is printed on the agent's log, where readAgentLog
 * merges it with the agent's own block.
 */
import { findOnPath } from '../agents.js';
import { runProgram } from './program.js';

const GH_TIMEOUT_MS = 10_000;
const GIT_TIMEOUT_MS = 10_000;

/** The output block for the clone at `repo`, or '' when no branch is checked out. */
export async function captureOutputs(repo: string, env: Record<string, string>): Promise<string> {
  const branch = await runProgram('git', ['-C', repo, 'branch', '--show-current'], { cwd: repo, env, timeoutMs: GIT_TIMEOUT_MS });
  const name = branch.code === 0 ? branch.stdout.trim() : '';
  if (!name) return '';
  const lines = [`branch: ${name}`];
  if (findOnPath('gh', env.PATH ?? '')) {
    const prs = await runProgram('gh', ['pr', 'list', '--head', name, '--json', 'url', '--jq', '.[].url'], { cwd: repo, env, timeoutMs: GH_TIMEOUT_MS });
    if (prs.code === 0) for (const url of prs.stdout.split(/\s+/).filter(Boolean)) lines.push(`pr: ${url}`);
  }
  return ['---AXON_OUTPUTS_START---', ...lines, '---AXON_OUTPUTS_END---', ''].join('\n');
}
