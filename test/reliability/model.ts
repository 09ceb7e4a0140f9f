/**
 * A random Task DAG and the simple reference model of what the engine must make of it: which
 * Tasks launch, what each one's prompt is (rendered from its dependencies' outputs), what its
 * agent prints, and each Task's final phase. The agent's output depends on its prompt, so a
 * prompt rendered from missing or wrong outputs changes everything downstream of it.
 */
import { createHash } from 'node:crypto';

export interface Dag {
  /** Task names in topological order (dependencies come first). */
  names: string[];
  /** Dependencies per Task, by index into `names` (each smaller than the Task's own). */
  deps: number[][];
  /** Tasks whose agent fails. */
  failing: Set<number>;
  /** Tasks with `ttlSecondsAfterFinished: 0`: deleted as soon as they finish (none when absent). */
  expiring?: Set<number>;
}

export interface Expected {
  phase: 'Succeeded' | 'Failed';
  launched: boolean;
  /** For launched Tasks: the exact prompt its Job must carry. */
  prompt?: string;
  /** For Succeeded Tasks: its recorded outputs. */
  outputs?: string[];
}

export const taskName = (i: number) => `t${String(i).padStart(3, '0')}`;

/** Go text/template ranges over a map in key order; names are zero-padded so that is index order. */
export function template(dag: Dag, i: number): string {
  const name = dag.names[i]!;
  return dag.deps[i]!.length === 0 ? `task ${name}` : `task ${name}{{ range $k, $v := .Deps }} {{ $k }}={{ index $v.Outputs 0 }}{{ end }}`;
}

/** The stand-in agent: fails when told to; otherwise one `result: <hash of its prompt>` line. */
export function agentOutput(prompt: string): string {
  return `result: ${createHash('sha256').update(prompt).digest('hex').slice(0, 16)}`;
}

export const FAIL_MARKER = 'PLEASE FAIL';

export function expected(dag: Dag): Expected[] {
  const out: Expected[] = [];
  dag.names.forEach((name, i) => {
    const deps = dag.deps[i]!;
    if (!deps.every((d) => out[d]!.phase === 'Succeeded')) {
      out.push({ phase: 'Failed', launched: false });
      return;
    }
    const sorted = [...deps].sort((a, b) => a - b);
    const prompt =
      deps.length === 0 ? `task ${name}` : `task ${name}${sorted.map((d) => ` ${dag.names[d]}=${out[d]!.outputs![0]}`).join('')}`;
    if (dag.failing.has(i)) out.push({ phase: 'Failed', launched: true, prompt });
    else out.push({ phase: 'Succeeded', launched: true, prompt, outputs: [agentOutput(prompt)] });
  });
  return out;
}
