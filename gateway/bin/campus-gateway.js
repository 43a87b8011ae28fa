#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --max-old-space-size=1024
// The `campus-gateway` command. A committed file rather than gateway/dist/cli.js itself: npm
// links a workspace's bins while it installs, before the root `prepare` has built dist/, and
// skips a bin whose file does not exist yet, so `npx campus-gateway` fell through to the
// registry (npm error 404). The shebang carries src/runtime-env.ts's environment.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('campus-gateway: GW_ERR_NOT_BUILT: gateway/dist/cli.js is missing; run `npm run build` in the repository root\n');
  process.exit(1);
}
// dist/cli.js runs the command line as it loads.
await import(cli.href);
