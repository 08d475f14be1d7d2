import fs from 'node:fs';

export default async function globalTeardown() {
  const stack = globalThis.__CROSSBILL_STACK__;
  if (!stack) return;
  const { child, dataDir } = stack;
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 20_000);
    await exited;
    clearTimeout(timer);
  }
  // npm may exit before its grandchildren (the sandboxes save their state on SIGTERM): wait
  // for the whole process group to be gone, then remove the data, retrying briefly.
  for (let i = 0; i < 60; i++) {
    try {
      process.kill(-child.pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
}
