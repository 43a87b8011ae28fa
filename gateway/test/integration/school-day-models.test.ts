/**
 * The simulators' payloads against the real templates: every MQTT model of
 * firmware-sim, driven through a whole simulated school day (lessons, writing,
 * PE), produces payloads the gateway's template engine accepts (inside the
 * catalog's ranges, right types), cumulative counters never go down except by
 * an injected reset, and the injected bad payloads are all rejected.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { badPayload, behaviourFor, loadScenario, models, planSchool, type SchoolPlan } from '@campus-gateway/firmware-sim';
import { silentLogger } from '../../src/log.js';
import { createTemplateCatalog, decodeMqtt, type TemplateCatalog } from '../../src/templates/index.js';
import { repoRoot } from '../kit/index.js';

let templates: TemplateCatalog;
let plan: SchoolPlan;
const COUNTERS: Record<string, string> = { 'smart-socket': 'energy_kwh', 'water-dispenser': 'dispensed_l', 'student-wristband': 'steps' };

beforeAll(async () => {
  templates = createTemplateCatalog({ watch: false }, { log: silentLogger() });
  await templates.start();
  plan = planSchool(loadScenario(`${repoRoot}/firmware-sim/scenarios/school-small.yaml`));
});

function decode(template: string, device: string, channel: 'telemetry' | 'event', payload: string) {
  const t = templates.get(template);
  if (!t) throw new Error(`no template ${template}`);
  return decodeMqtt(t, Buffer.from(payload), { device, channel, receivedAt: 1_700_000_000_000 });
}

describe('firmware-sim MQTT models against the templates', () => {
  it('every MQTT device of the small school reports valid payloads all day', () => {
    const problems: string[] = [];
    const checked = new Set<string>();
    const last = new Map<string, number>();
    for (const d of plan.devices.filter((x) => x.transport === 'mqtt')) {
      const room = plan.rooms.find((r) => r.id === d.room)!;
      const b = behaviourFor(d, room, { allCards: plan.allCards, seed: 3, pens: 4, bands: 6 });
      for (let minute = 7 * 60; minute < 18 * 60; minute += 2) {
        const s = { ...plan.roomState(room, minute), minute, dtSeconds: 4, speed: 30 };
        const body = b.telemetry(s);
        const msgs: Array<['telemetry' | 'event', Record<string, unknown>]> = [
          ...(body ? [['telemetry', body] as ['telemetry', Record<string, unknown>]] : []),
          ...(b.events?.(s) ?? []).map((e) => ['event', e] as ['event', Record<string, unknown>]),
        ];
        for (const [channel, payload] of msgs) {
          checked.add(d.template);
          const r = decode(d.template, d.id, channel, JSON.stringify(payload));
          if (!r.ok) { problems.push(`${d.template} ${channel} ${JSON.stringify(payload)}: ${r.code} ${r.reason}`); continue; }
          const field = COUNTERS[d.template];
          const v = field ? r.readings[0]?.fields[field] : undefined;
          if (typeof v === 'number') {
            if (v < (last.get(d.id) ?? 0)) problems.push(`${d.id}: ${field} went down`);
            last.set(d.id, v);
          }
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(checked.size).toBe(18);
  });

  it('pen strokes and wristband batches decode to one reading per point / sample', () => {
    const pen = models.penWriter('P-1');
    let t = 1_700_000_000_000;
    let strokes = 0;
    let points = 0;
    for (; strokes < 50; t += 50) {
      const s = pen.step(t, true);
      if (!s) continue;
      strokes++;
      const r = decode('smart-pen', 'P-1', 'telemetry', JSON.stringify({ pen: 'P-1', page: '8.1.1.1', bat: pen.battery, strokes: [s] }));
      expect(r.ok && r.readings.length).toBe(s.pts.length);
      if (r.ok) points += r.readings.length;
    }
    // ~100 points per second of writing: strokes of 0.2–1.2 s sampled every 6–10 ms.
    expect(points / strokes).toBeGreaterThan(20);
    const band = models.wristband('W-1');
    const samples = Array.from({ length: 5 }, (_, i) => band.sample(1_700_000_000_000 + i * 1000, 0.8, 1));
    const r = decode('student-wristband', 'W-1', 'telemetry', JSON.stringify(samples));
    expect(r.ok && r.readings.map((x) => x.fields.heart_rate_bpm)).toEqual(samples.map((x) => x.hr));
  });

  it('every injected bad payload is rejected', () => {
    for (const d of plan.devices.filter((x) => x.transport === 'mqtt')) {
      for (let n = 0; n < 2; n++) expect(decode(d.template, d.id, 'telemetry', badPayload(d.template, n)).ok, `${d.template} #${n}`).toBe(false);
    }
  });
});
