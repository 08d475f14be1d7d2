/**
 * `node sandbox/dist/appstore/src/cli.js <command>` — `serve` runs the App Store sandbox until
 * SIGTERM/SIGINT (printing `[appstore-sandbox] ready {…}`); every other command plays the iPhone's side
 * against a running sandbox and prints JSON. See `cli-run.ts` and sandbox/README.md.
 */
import { runCli, serve } from './cli-run';
import { announceAndStopOnSignal } from '../../shared/serve';

const io = {
  env: process.env,
  out: (s: string) => process.stdout.write(s),
  err: (s: string) => process.stderr.write(s),
};

async function main(argv: string[]): Promise<void> {
  if (argv[0] !== 'serve') {
    process.exitCode = await runCli(argv, io);
    return;
  }
  const sandbox = await serve(io);
  announceAndStopOnSignal('appstore-sandbox', sandbox);
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`[appstore-sandbox] failed: ${err.stack ?? String(err)}\n`);
  process.exit(1);
});
