/**
 * Decode throughput for smart-pen strokes, in points/s on one core.
 * Run: node --import tsx --conditions source gateway/bench/decode-bench.ts [seconds]
 *
 * Each message is what a classroom receiver sends: one stroke of N points as
 * UTF-8 JSON bytes (as they arrive from the broker). Timing covers UTF-8
 * decoding, JSON.parse, validation (type + range of every value) and building
 * one Reading per point. Aim: ≥ 1,000,000 points/s.
 */
import os from 'node:os';
import { join } from 'node:path';
import { defaultTemplatesDir, loadTemplateDir } from '../src/templates/load.js';
import { decodeMqtt } from '../src/templates/mqtt-decode.js';

const seconds = Number(process.argv[2] ?? 3);
const loaded = await loadTemplateDir(join(defaultTemplatesDir(), 'smart-pen'));
if (!loaded.ok) throw new Error(loaded.problem.problems.join('\n'));
const pen = loaded.loaded.template;

function stroke(seed: number, points: number): Uint8Array {
  const pts: number[][] = [];
  let x = 500 + (seed % 1500), y = 800 + (seed % 2000);
  for (let i = 0; i < points; i++) {
    x += (i * 7 + seed) % 9 - 4; y += (i * 5 + seed) % 7 - 3;
    pts.push([x, y, 200 + ((i * 13 + seed) % 800), i === 0 ? 0 : 10]);
  }
  const msg = { pen: `P-${String(seed % 40).padStart(5, '0')}`, page: `8.12.33.${seed % 64}`, bat: 78, strokes: [{ t0: 1_700_000_000_000 + seed * 1000, pts }] };
  return new TextEncoder().encode(JSON.stringify(msg));
}

const ctx = { device: 'rx-101', channel: 'telemetry' as const, receivedAt: 1_700_000_000_000 };
const utf8 = new TextDecoder();

/** Points/s of one pass over the messages for `ms` milliseconds. */
function pass(messages: Uint8Array[], pointsPerStroke: number, ms: number, decode: boolean): number {
  let points = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    for (let i = 0; i < messages.length; i++) {
      if (decode) {
        const r = decodeMqtt(pen, messages[i] as Uint8Array, ctx);
        if (!r.ok) throw new Error(r.reason);
        points += r.readings.length;
      } else {
        JSON.parse(utf8.decode(messages[i] as Uint8Array));
        points += pointsPerStroke;
      }
    }
  }
  return points / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rounds = 5;
console.log(`smart-pen decode on one core: ${rounds} rounds × ${seconds}s per case, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('  (baseline = UTF-8 decode + JSON.parse alone, measured interleaved: the floor any JSON decoder pays)');
for (const n of [20, 100, 500]) {
  const messages = Array.from({ length: 512 }, (_, i) => stroke(i, n));
  const bytesPerPoint = messages.reduce((a, m) => a + m.length, 0) / (messages.length * n);
  pass(messages, n, 300, true); // warm-up: let the JIT compile the decode path
  const dec: number[] = [], base: number[] = [];
  for (let r = 0; r < rounds; r++) {
    dec.push(pass(messages, n, (seconds * 1000) / rounds, true));
    base.push(pass(messages, n, (seconds * 1000) / rounds / 2, false));
  }
  console.log(`  ${String(n).padStart(3)} points/stroke (${bytesPerPoint.toFixed(1)} B/point): decode best ${fmt(Math.max(...dec)).padStart(10)} median ${fmt(median(dec)).padStart(10)} points/s; baseline best ${fmt(Math.max(...base))} points/s; decode/baseline ${(median(dec) / median(base)).toFixed(2)}`);
}
