// Builds the embed script (/cancel-flow.js) from app/embed/script.ts: one small IIFE with no
// dependencies, for any site's page. Runs before `remix vite:build` (npm run build -w web),
// which inlines the result into the server build; app/routes/cancel-flow[.]js.ts serves it.
// Output: app/embed/dist/cancel-flow.js (ignored by git, like every dist/).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(web, 'app/embed/dist/cancel-flow.js');

await build({
  entryPoints: [path.join(web, 'app/embed/script.ts')],
  outfile,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  // Safari 15.4 / Chrome 98: <dialog>.showModal everywhere the flow runs.
  target: ['es2020', 'chrome98', 'safari15.4', 'firefox98'],
  minify: true,
  legalComments: 'none',
  banner: { js: '/* Crossbill cancel flow embed: startCancellationFlow(...) */' },
  logLevel: 'warning',
});
console.log(`[web] built ${path.relative(web, outfile)} (${fs.statSync(outfile).size} bytes)`);
