/**
 * Models of the devices bound to a student: smart pens (one stroke at a time,
 * ~100 points/s while writing), PE wristbands (one sample per second), jump
 * ropes. They are driven by real time (pens and hearts do not speed up).
 */
import type { MaybeModel } from './models.js';
import { chance, clamp, jitter, round } from './util.js';

export type PenPoint = [x: number, y: number, p: number, dt: number];
export interface PenStroke {
  t0: number;
  pts: PenPoint[];
}

export interface PenWriter {
  readonly pen: string;
  /** Advances to `nowMs`; returns the stroke that ended by then (or undefined). */
  step(nowMs: number, writing: boolean): PenStroke | undefined;
  readonly battery: number;
}

/** A student writing: strokes of 0.2–1.2 s sampled every 6–10 ms, pauses of 0.05–0.4 s between. */
export function penWriter(pen: string): PenWriter {
  let nextStart = 0;
  let current: { t0: number; end: number } | undefined;
  let lastTs = 0;
  let x = 150 + Math.random() * 300;
  let y = 200 + Math.random() * 200;
  let bat = 40 + Math.random() * 60;
  return {
    pen,
    get battery() { return Math.round(bat); },
    step(now, writing) {
      if (!current) {
        if (!writing || now < nextStart) return undefined;
        const t0 = Math.max(now, lastTs + 1);
        current = { t0, end: t0 + 200 + Math.random() * 1000 };
        return undefined;
      }
      if (now < current.end) return undefined;
      const pts: PenPoint[] = [];
      let elapsed = 0;
      const dx = jitter(12);
      const dy = jitter(6);
      for (let first = true; elapsed < current.end - current.t0 || first; first = false) {
        const dt = first ? 0 : 6 + Math.floor(Math.random() * 5);
        elapsed += dt;
        x = clamp(x + dx + jitter(3), 0, 2100);
        y = clamp(y + dy + jitter(3), 0, 2970);
        pts.push([Math.round(x), Math.round(y), clamp(Math.round(500 + jitter(300)), 1, 1023), dt]);
      }
      const stroke = { t0: current.t0, pts };
      lastTs = current.t0 + elapsed;
      current = undefined;
      nextStart = lastTs + 50 + Math.random() * 350;
      if (chance(0.05)) { x = 150 + Math.random() * 300; y = clamp(y + 80, 0, 2900); }
      bat = Math.max(1, bat - 0.001);
      return stroke;
    },
  };
}

/**
 * A receiver's stroke batch per pen: the strokes a pen finished within `batchMs` go out as one
 * message (`strokes: [...]`), so the stroke index (the position in the batch) varies as a real
 * receiver's does; the gateway tells strokes apart by that index, the page and the pen-up pause.
 */
export interface PenBatcher {
  add(stroke: PenStroke, nowMs: number): void;
  /** The strokes due at `nowMs` (the first waited `batchMs`), or undefined. */
  take(nowMs: number): PenStroke[] | undefined;
}

export function penBatcher(batchMs: number): PenBatcher {
  let batch: PenStroke[] = [];
  let since = 0;
  return {
    add(stroke, now) {
      if (batch.length === 0) since = now;
      batch.push(stroke);
    },
    take(now) {
      if (batch.length === 0 || now - since < batchMs) return undefined;
      const out = batch;
      batch = [];
      return out;
    },
  };
}

export interface BandSample {
  band: string; hr: number; steps: number; spo2: number; temp: number; bat: number; ts: number;
  /** false while the band is off the wrist (its heart rate is then the resting reading of nothing). */
  wear: boolean;
}

export interface Wristband {
  readonly band: string;
  /** One sample at `ts`; intensity 0 (rest) … 1 (sprint). */
  sample(ts: number, intensity: number, dtSeconds: number): BandSample;
}

export function wristband(band: string): Wristband {
  let hr = 80 + Math.random() * 15;
  let steps = Math.floor(Math.random() * 3000);
  let temp = 33 + Math.random();
  let bat = 50 + Math.random() * 50;
  const fitness = 0.8 + Math.random() * 0.4;
  let offUntil = 0;
  return {
    band,
    sample(ts, intensity, dt) {
      // now and then a student takes the band off for half a minute
      if (ts >= offUntil && chance(0.0005 * dt)) offUntil = ts + 30_000;
      const wear = ts >= offUntil;
      const target = 80 + intensity * 100 * fitness;
      hr = clamp(hr + (target - hr) * 0.1 + jitter(3), 45, 210);
      steps += Math.round(intensity * 2.5 * dt * (0.8 + Math.random() * 0.4));
      temp = clamp(temp + (intensity > 0.4 ? 0.002 : -0.001) * dt, 30, 38.5);
      bat = Math.max(1, bat - 0.0005 * dt);
      return { band, hr: wear ? Math.round(hr) : 60, steps, spo2: Math.round(clamp(98 - intensity * 2 + jitter(1), 90, 100)), temp: round(wear ? temp : 30), bat: Math.round(bat), ts, wear };
    },
  };
}

/** smart-jump-rope: one result per minute-long set during PE; nothing otherwise. */
export function smartJumpRope(users: readonly string[]): MaybeModel {
  let next = 0;
  return (s) => {
    if (s.lesson !== 'pe' || users.length === 0) return undefined;
    const user = users[next++ % users.length]!;
    const breaks = Math.floor(Math.random() * 5);
    return { user, jumps: Math.max(0, Math.round(150 + jitter(50) - breaks * 10)), dur: 60, breaks };
  };
}
