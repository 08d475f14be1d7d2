// Fails when the checked-in generated code differs from what schema.graphql (and the
// operations) generate now. Generates into a scratch directory; never touches the tree.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'crossbill-codegen-'));
const outputs = ['api/src/platform/graphql/generated/resolvers-types.ts', 'web/app/graphql/generated.ts'];

try {
  execFileSync(process.execPath, [path.join(root, 'node_modules/@graphql-codegen/cli/cjs/bin.js'), '--config', 'codegen.ts', '--silent'], {
    cwd: root,
    env: { ...process.env, CODEGEN_OUT_DIR: scratch },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stale = outputs.filter((file) => {
    const current = fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), 'utf8') : '';
    return current !== fs.readFileSync(path.join(scratch, file), 'utf8');
  });
  if (stale.length) {
    console.error(`Generated code is out of date with schema.graphql:\n  ${stale.join('\n  ')}\nRun \`npm run codegen\` and commit the result.`);
    process.exit(1);
  }
  console.log('codegen: generated code matches schema.graphql');
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
