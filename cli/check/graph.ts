/**
 * What only the set of Tasks together can show: a dependency that names no given Task (its
 * dependent would wait forever) and dependency cycles (every Task on one would fail).
 */
import type { ManifestDoc } from '../../shared/local/manifests.js';
import { problemAt, type Problem } from './problem.js';

export interface GraphTask {
  doc: ManifestDoc;
  namespace: string;
  name: string;
  label: string;
  dependsOn: string[];
}

export function unknownDependencies(tasks: readonly GraphTask[]): Problem[] {
  const known = new Set(tasks.map((t) => `${t.namespace}/${t.name}`));
  const problems: Problem[] = [];
  for (const task of tasks) {
    task.dependsOn.forEach((dep, i) => {
      if (dep === task.name || known.has(`${task.namespace}/${dep}`)) return;
      problems.push(
        problemAt(
          task.doc,
          ['spec', 'dependsOn', i],
          task.label,
          `spec.dependsOn[${i}]: no Task named "${dep}" is given (namespace ${task.namespace}) — ` +
            `this Task would stay Waiting until one is created; check the name or add its manifest`,
        ),
      );
    });
  }
  return problems;
}

/**
 * Each cycle among the Tasks, reported once at the Task where it is first entered, as the
 * path around it: `a → b → a`. Self-dependencies are left to the Task's own validation.
 */
export function dependencyCycles(tasks: readonly GraphTask[]): Problem[] {
  const byKey = new Map(tasks.map((t) => [`${t.namespace}/${t.name}`, t]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const problems: Problem[] = [];

  const visit = (key: string): void => {
    state.set(key, 'open');
    stack.push(key);
    const task = byKey.get(key) as GraphTask;
    task.dependsOn.forEach((dep) => {
      const next = `${task.namespace}/${dep}`;
      if (dep === task.name || !byKey.has(next)) return;
      const seen = state.get(next);
      if (seen === 'open') {
        const loop = stack.slice(stack.indexOf(next)).map((k) => (byKey.get(k) as GraphTask).name);
        const first = byKey.get(next) as GraphTask;
        const at = first.dependsOn.indexOf((byKey.get(stack[stack.indexOf(next) + 1] ?? key) as GraphTask).name);
        problems.push(
          problemAt(
            first.doc,
            at >= 0 ? ['spec', 'dependsOn', at] : ['spec', 'dependsOn'],
            first.label,
            `dependency cycle: ${[...loop, loop[0]].join(' → ')} — none of these Tasks could ever start; remove one of the dependencies`,
          ),
        );
      } else if (seen === undefined) {
        visit(next);
      }
    });
    stack.pop();
    state.set(key, 'done');
  };

  for (const key of byKey.keys()) if (!state.has(key)) visit(key);
  return problems;
}
