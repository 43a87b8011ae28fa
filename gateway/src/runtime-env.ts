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
 *
 * --v8-pool-size=0: V8's background threads (concurrent marking and sweeping, parallel
 * scavenges, compiling) number one fewer than the CPUs node may use, at least one, instead of
 * node's default of four. On the 2 cores a school gateway has, four of them ran beside the event
 * loop and took its core from it for milliseconds at a time. Traced through a latency section
 * (5,000 msg/s QoS 1 and ten classrooms of pens, embedded store, 2026-12-07), the store's next
 * fdatasync started more than 10 ms after the last one returned 41 times (the event loop starts
 * it). In those 630 ms the event loop ran 278 ms and waited 273 ms for a core: 131 ms of it for
 * V8's own threads, 73 ms for every other process together. Four latency sections with one thread and
 * four with four, in turn, same hour; PUBACK p99 per 10-s round (median, range): ten classrooms
 * of pens 12.9 (11.2-23.6) ms against 20.1 (11.5-30.8); 5,000 msg/s 9.0 against 11.1 in the
 * first two rounds, and over 10 ms either way in the third, after two rounds of pens (18.3-42
 * against 19.2-31.5); the gateway used 78% of a core at 5,000 msg/s against 81%. Throughput: the
 * README's benchmark, measured with it.
 */
export const RUNTIME_NODE_FLAGS: readonly string[] = ['--max-old-space-size=1024', '--v8-pool-size=0'];
