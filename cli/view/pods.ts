/** With --keep-workspaces: where each Task's agent worked (its clone, or its own directory), kept after the run. */
import type { PodDirectory } from '../../shared/local/cluster.js';
import { painter } from './format.js';

export function formatPodDirectories(pods: readonly PodDirectory[], root: string, options: { color: boolean; showNamespace: boolean }): string {
  const paint = painter(options.color);
  if (pods.length === 0) return `${paint('gray', `No Task ran an agent; ${root} is kept, empty.`)}\n`;
  const label = (p: PodDirectory) => (options.showNamespace ? `${p.namespace}/${p.name}` : p.name);
  const width = Math.max(...pods.map((p) => label(p).length));
  const lines = pods.map((p) => `  ${label(p).padEnd(width)}   ${p.workingDir}`);
  return `\nKept (--keep-workspaces), under ${root}:\n${lines.join('\n')}\n`;
}
