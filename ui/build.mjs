// `npm run build`: the dashboard page — ui/src bundled with its layout library (no CDN: the
// page works offline), plus its HTML and CSS, into dist/ui, which the CLI serves.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/ui/', import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  // dagre's MIT notice travels with the bundle that copies it.
  legalComments: 'linked',
  outfile: new URL('app.js', out).pathname,
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(new URL(`./${file}`, import.meta.url), new URL(file, out));
