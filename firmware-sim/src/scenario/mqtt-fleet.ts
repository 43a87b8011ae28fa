/**
 * The MQTT half of a scenario: one connection per light, sensor, board…; one
 * per pen receiver carrying its pens' strokes (one message per pen per stroke batch) and one
 * per wristband base carrying its bands' samples (an array per band per batch).
 */
import { penBatcher, penWriter, wristband, type PenWriter, type Wristband } from '../mqtt/models.js';
import type { RoomSituation } from '../mqtt/models.js';
import type { SimHandle } from './handles.js';
import { createEndpoint, type Endpoint } from './mqtt-endpoint.js';
import { badPayload, behaviourFor } from './mqtt-models.js';
import type { PlannedDevice, PlannedRoom, SchoolPlan } from './plan.js';
import type { Scenario } from './schema.js';
import type { Tally } from './tally.js';

export interface FleetDeps {
  plan: SchoolPlan;
  scenario: Scenario;
  tally: Tally;
  /** Simulated minute of the day now. */
  minute(): number;
  url: string;
  username?: string;
  password?: string;
}

export interface MqttFleet {
  start(): Promise<void>;
  stop(): Promise<void>;
  handles: SimHandle[];
  connections(): number;
}

const DEFAULT_INTERVALS: Record<string, number> = { 'student-wristband': 2_000, 'morning-check-kiosk': 3_000, default: 10_000 };
const PEN_TICK_MS = 50;
/** A receiver sends a pen's finished strokes at most this long after the first (so a message holds 1–3). */
const PEN_BATCH_MS = 500;
const CONNECT_CONCURRENCY = 50;

export function createMqttFleet(deps: FleetDeps): MqttFleet {
  const { plan, scenario, tally } = deps;
  const intervalOf = (t: string) => scenario.intervals_ms[t] ?? DEFAULT_INTERVALS[t] ?? scenario.intervals_ms.default ?? DEFAULT_INTERVALS.default!;
  const roomOf = new Map(plan.rooms.map((r) => [r.id, r]));
  const members = new Map<string, PlannedDevice[]>();
  for (const d of plan.devices) if (d.group) members.set(d.group, [...(members.get(d.group) ?? []), d]);
  const endpoints: Endpoint[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const starters: Array<() => void> = [];
  const handles: SimHandle[] = [];
  let running = false;

  const situation = (room: PlannedRoom, dtSeconds: number): RoomSituation => {
    const minute = deps.minute();
    return { ...plan.roomState(room, minute), minute, dtSeconds, speed: scenario.clock.speed };
  };
  const every = (ms: number, fn: () => void) => {
    const t0 = setTimeout(() => {
      timers.delete(t0);
      if (!running) return;
      fn();
      const t = setInterval(fn, ms);
      timers.add(t);
    }, Math.random() * ms);
    timers.add(t0);
  };
  const lastTs = new Map<string, number>();
  const stamp = (id: string) => {
    const ts = Math.max(Date.now(), (lastTs.get(id) ?? 0) + 1);
    lastTs.set(id, ts);
    return ts;
  };

  plan.devices.forEach((d, seed) => {
    if (d.transport !== 'mqtt') return;
    const room = roomOf.get(d.room)!;
    const group = members.get(d.id) ?? [];
    const ep = createEndpoint({ url: deps.url, clientId: d.id, base: `campus/${d.template}/${d.id}`, qos: scenario.qos, ...(deps.username ? { username: deps.username, password: deps.password } : {}) }, tally);
    endpoints.push(ep);
    const b = behaviourFor(d, room, { allCards: plan.allCards, seed, pens: group.length, bands: group.length });
    let silentUntil = 0;
    let last = Date.now();
    let badN = 0;
    const report = () => {
      const now = Date.now();
      const s = situation(room, (now - last) / 1000);
      last = now;
      if (now < silentUntil) return;
      const body = b.telemetry(s);
      if (body) ep.publish(d, 'telemetry', JSON.stringify({ ...body, ts: stamp(d.id) }), 1);
      for (const e of b.events?.(s) ?? []) ep.publish(d, 'event', JSON.stringify({ ...e, ts: stamp(d.id) }), 1);
    };
    starters.push(() => every(intervalOf(d.template), report));
    const handle: SimHandle = {
      id: d.id, template: d.template, room: d.room,
      silence: (until) => { silentUntil = until; },
      disconnect: () => ep.drop(),
      bad: (n) => { for (let i = 0; i < n; i++) ep.publish(d, 'telemetry', badPayload(d.template, badN++), 1, true); },
      ...(b.resetCounter ? { resetCounter: b.resetCounter } : {}),
      ...(b.alarm ? { alarm: b.alarm } : {}),
    };
    handles.push(handle);

    if (d.template === 'pen-receiver') {
      const pens = group.map((p) => ({ d: p, w: penWriter(p.id), batch: penBatcher(PEN_BATCH_MS), page: `8.${room.teaching}.${p.id.slice(-2)}.1`, silentUntil: 0 }));
      starters.push(() => every(PEN_TICK_MS, () => {
        const now = Date.now();
        const writing = plan.roomState(room, deps.minute()).lesson === 'writing';
        for (const p of pens) {
          const stroke = p.w.step(now, writing && now >= p.silentUntil);
          if (stroke) p.batch.add(stroke, now);
          const strokes = p.batch.take(now);
          if (strokes) ep.publish(p.d, 'telemetry', JSON.stringify({ pen: p.d.id, page: p.page, bat: p.w.battery, strokes }), strokes.reduce((n, s) => n + s.pts.length, 0));
        }
      }));
      for (const p of pens) handles.push({ id: p.d.id, template: p.d.template, room: d.room, silence: (u) => { p.silentUntil = u; } });
    }
    if (d.template === 'wristband-base') {
      const bands = group.map((x) => ({ d: x, w: wristband(x.id) as Wristband, buf: [] as unknown[], silentUntil: 0 }));
      let lastSample = Date.now();
      starters.push(() => every(1_000, () => {
        const now = Date.now();
        const dt = (now - lastSample) / 1000;
        lastSample = now;
        const s = plan.roomState(room, deps.minute());
        if (s.lesson !== 'pe') return;
        const phase = (deps.minute() % 45) / 45;
        for (const x of bands) {
          if (now < x.silentUntil) continue;
          const intensity = Math.max(0, Math.min(1, (phase < 0.15 ? 0.3 : phase < 0.8 ? 0.75 : 0.2) + (Math.random() - 0.5) * 0.3));
          x.buf.push(x.w.sample(stamp(x.d.id), intensity, dt));
        }
      }));
      starters.push(() => every(intervalOf('student-wristband'), () => {
        for (const x of bands) {
          if (x.buf.length === 0) continue;
          ep.publish(x.d, 'telemetry', JSON.stringify(x.buf), x.buf.length);
          x.buf = [];
        }
      }));
      for (const x of bands) handles.push({ id: x.d.id, template: x.d.template, room: d.room, silence: (u) => { x.silentUntil = u; } });
    }
  });

  return {
    handles,
    connections: () => endpoints.length,
    async start() {
      running = true;
      for (let i = 0; i < endpoints.length; i += CONNECT_CONCURRENCY) {
        await Promise.all(endpoints.slice(i, i + CONNECT_CONCURRENCY).map((e) => e.start()));
      }
      for (const s of starters) s();
    },
    async stop() {
      running = false;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(endpoints.map((e) => e.stop()));
    },
  };
}

export type { PenWriter };
