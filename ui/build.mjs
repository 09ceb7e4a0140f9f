// `npm run build`: the dashboard page — ui/src bundled (no CDN: the page works offline), plus its
// HTML and CSS, into dist/ui, which the CLI serves. Three modules:
// - app.js, the page (main.ts), without the layout library: its main thread never runs dagre;
// - layout.js, the layout with dagre bundled in (layout.ts);
// - layout-worker.js, the module worker that runs it, importing layout.js at run time — the same
//   file the page imports on its main thread only when it has no worker (layout-thread.ts).
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/ui/', import.meta.url);
const source = (file) => new URL(`./src/${file}`, import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const common = { bundle: true, format: 'esm', target: 'es2022', minify: true, sourcemap: 'linked', logLevel: 'warning' };
await Promise.all([
  build({ ...common, entryPoints: [source('main.ts')], outfile: new URL('app.js', out).pathname }),
  // dagre's MIT notice travels with the bundle that copies it.
  build({ ...common, entryPoints: [source('layout.ts')], outfile: new URL('layout.js', out).pathname, legalComments: 'linked' }),
  build({ ...common, entryPoints: [source('layout-worker.ts')], outfile: new URL('layout-worker.js', out).pathname, external: ['./layout.js'] }),
]);
for (const file of ['index.html', 'style.css']) copyFileSync(new URL(`./${file}`, import.meta.url), new URL(file, out));
