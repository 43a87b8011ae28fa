/**
 * Environment and node flags the gateway process is started with, wherever it is started: the
 * `campus-gateway` command (its `#!/usr/bin/env -S …` line), `npm start`, the systemd units, the
 * container image, and the benchmark's gateway child. `runtime-env.test.ts` checks that all of
 * them carry both.
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

/**
 * --max-old-space-size=1024: V8 lets its old generation grow to a multiple of what survived the
 * last major GC before it collects again, up to 4× when the heap may reach 2 GiB or more (node's
 * default on a machine with 16 GiB of RAM is ~4 GiB), and at most 1.3-2× below that, scaled by
 * the limit: ~1.6× at 1 GiB. Under a school's load ~50 MiB survive, so the default let old space
 * reach 75-90 MiB between collections. Measured (school-day bench, InfluxDB store, same code,
 * runs interleaved): peak RSS 193-215 MiB in 5 runs with node's default, 168-170 MiB in 3 runs
 * with 1 GiB, CPU per message within the runs' spread. 1 GiB is ~20× the gateway's live heap, so
 * it is a bound the gateway never meets in normal work; a process that did would stop with
 * "heap out of memory" and be restarted by its supervisor, losing nothing acknowledged (the store
 * and uplink are durable). To change it, start `node --max-old-space-size=<MiB>
 * gateway/dist/cli.js …` yourself.
 */
export const RUNTIME_NODE_FLAGS: readonly string[] = ['--max-old-space-size=1024'];
