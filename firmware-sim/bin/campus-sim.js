#!/usr/bin/env node
// The `campus-sim` command. A committed file rather than firmware-sim/dist/cli.js itself: npm
// links a workspace's bins while it installs, before the root `prepare` has built dist/, and
// skips a bin whose file does not exist yet, so `npx campus-sim` fell through to the registry.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('campus-sim: GW_ERR_NOT_BUILT: firmware-sim/dist/cli.js is missing; run `npm run build` in the repository root\n');
  process.exit(1);
}
// dist/cli.js runs the command line only when it is the entry script; from here, call it.
const { main } = await import(cli.href);
main(process.argv.slice(2)).then((code) => { process.exit(code); }, (err) => {
  process.stderr.write(`campus-sim: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
