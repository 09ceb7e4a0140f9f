/**
 * Processes an agent left running outside its process group. Ending the group ends what an
 * agent started — unless a descendant moved to a session of its own (`setsid`, a daemon's
 * double fork), which no group signal reaches; in a cluster the pod's end would take it down.
 * Each agent's environment carries a marker (`DENDRITE_AGENT_ID`), which descendants inherit,
 * so they are found by it in /proc (Linux; elsewhere nothing can be found and none is ended).
 */
import { readdirSync, readFileSync } from 'node:fs';

export const AGENT_ID_VARIABLE = 'DENDRITE_AGENT_ID';

export interface Leftover {
  pid: number;
  /** Its command line, cut for a message. */
  command: string;
}

function commandOf(pid: string): string {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return '';
  }
}

/** Every live process (other than `except`) whose environment holds one of `ids`, by id. */
export function findMarked(ids: ReadonlySet<string>, except: ReadonlySet<number> = new Set()): Map<string, Leftover[]> {
  const found = new Map<string, Leftover[]>();
  if (ids.size === 0) return found;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found; // no /proc: nothing can be found
  }
  const prefix = Buffer.from(`${AGENT_ID_VARIABLE}=`);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || except.has(Number(entry)) || Number(entry) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue; // gone meanwhile, or another user's
    }
    for (let at = environ.indexOf(prefix); at >= 0; at = environ.indexOf(prefix, at + 1)) {
      if (at > 0 && environ[at - 1] !== 0) continue; // the marker must start a variable
      const end = environ.indexOf(0, at);
      const id = environ.subarray(at + prefix.length, end < 0 ? undefined : end).toString('utf8');
      if (!ids.has(id)) continue;
      const list = found.get(id) ?? [];
      list.push({ pid: Number(entry), command: commandOf(entry) });
      found.set(id, list);
    }
  }
  return found;
}

/** SIGKILL to each (a container's end leaves nothing either); returns those it reached. */
export function endAll(leftovers: readonly Leftover[]): Leftover[] {
  return leftovers.filter((leftover) => {
    try {
      process.kill(leftover.pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  });
}
