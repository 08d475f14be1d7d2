/**
 * What every sandbox CLI does once its server is up: announce `[name] ready {json}` (the line
 * `npm start` waits for) and close cleanly — saving state — on SIGTERM or SIGINT.
 */
export function announceAndStopOnSignal(name: string, sandbox: { close(): Promise<void> }, ready?: unknown): void {
  if (ready !== undefined) process.stdout.write(`[${name}] ready ${JSON.stringify(ready)}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sandbox.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`[${name}] ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
