// Runs every compiled test file (dist/**/*.test.js) with node's own test runner.
// A directory argument to `node --test` would also run every helper under a `test/` folder,
// so the files are listed explicitly.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, found = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) collect(path, found);
    else if (entry.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const filter = process.argv[2];
const files = collect('dist').filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  console.error('no test files found under dist/ — did the build run?');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
