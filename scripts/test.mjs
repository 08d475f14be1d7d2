// `npm test`: everything CI checks, in order, failing fast.
//   1. generated GraphQL code matches schema.graphql
//   2. TypeScript type-checks (api, web)
//   3. builds (the browser tests run the built stack, as `npm start` does)
//   4. sandbox tests (the local Stripe stand-in against Stripe's fixtures), then API tests
//      (jest, real PostgreSQL, files in parallel, a database each)
//   5. browser tests (Playwright + Debian Chromium against the real `npm start` stack)
// Pass a step name (codegen, typecheck, build, sandbox, api, e2e) to run only some of them.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const steps = [
  ['codegen', ['run', 'codegen:check']],
  ['typecheck', ['run', 'typecheck']],
  ['build', ['run', 'build']],
  ['sandbox', ['test', '-w', 'sandbox', '--', '--ci']],
  ['api', ['test', '-w', 'api', '--', '--ci']],
  ['e2e', ['test', '-w', 'e2e', '--', '--ci']],
];
const only = process.argv.slice(2);
const started = Date.now();
for (const [name, args] of steps) {
  if (only.length && !only.includes(name)) continue;
  const t0 = Date.now();
  console.log(`\n▶ ${name}: npm ${args.join(' ')}`);
  const result = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n✖ ${name} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  console.log(`✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(`\nall checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
