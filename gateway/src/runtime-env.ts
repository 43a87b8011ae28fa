/**
 * Environment the gateway process is started with, wherever it is started: the `campus-gateway`
 * command (its `#!/usr/bin/env -S …` line), `npm start`, the systemd unit, the container image,
 * and the benchmark's gateway child. `runtime-env.test.ts` checks that all of them carry it.
 *
 * MALLOC_MMAP_THRESHOLD_=131072: glibc serves every allocation of 128 KiB or more with its own
 * mmap and unmaps it on free. Without it glibc raises the threshold after the first such free,
 * so the large short-lived buffers of a busy gateway (socket reads, write-ahead records of pen
 * strokes, HTTP bodies) come from the heap and stay resident after they are freed: the school
 * day's peak RSS was 279 MiB without it and 241 MiB with it (bench, influx store, same code).
 * Ignored by C libraries other than glibc.
 */
export const RUNTIME_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** The same, as `NAME=value` words (shebang, shell, systemd). */
export const RUNTIME_ENV_WORDS: readonly string[] = Object.entries(RUNTIME_ENV).map(([k, v]) => `${k}=${v}`);
