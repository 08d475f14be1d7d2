import fs from 'node:fs/promises';

export default async function globalTeardown() {
  const running = globalThis.__CROSSBILL_TEST_PG__;
  if (!running) return;
  await running.cluster.stop();
  await fs.rm(running.dir, { recursive: true, force: true });
}
