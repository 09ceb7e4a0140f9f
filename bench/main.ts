/**
 * `npm run bench`: every benchmark, each in its own node process (no JIT or heap state carried
 * from one to the next), one after the other, printing markdown sections. The template
 * benchmark (bench/template.ts) runs too when it is there. `node dist/bench/main.js fan-in dag`
 * runs only those named.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeMachine, machine } from './support/machine.js';

const BENCHMARKS = ['fan-in', 'round-trips', 'dag', 'redis-shapes', 'local-fan-in', 'bare-server', 'cold-start', 'hand-off', 'render-isolation', 'dashboard', 'template'];

const only = process.argv.slice(2);
const selected = BENCHMARKS.filter((name) => only.length === 0 || only.includes(name));
process.stdout.write(`# Dendrite benchmarks\n\n${describeMachine(machine())}\n`);
let failed = 0;
for (const name of selected) {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (!existsSync(script)) {
    process.stdout.write(`\n## ${name}\n\n(not built: ${script} is missing)\n`);
    continue;
  }
  // The template benchmark (another module's) prints plain lines: give them a heading and a block.
  const plain = name === 'template';
  if (plain) process.stdout.write('\n## Template rendering (bench/template.ts)\n\n```\n');
  const started = performance.now();
  const run = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (plain) process.stdout.write('```\n');
  process.stderr.write(`[bench] ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s, exit ${run.status}\n`);
  if (run.status !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
