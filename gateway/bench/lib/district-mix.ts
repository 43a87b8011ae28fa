/**
 * The summary and alarm mix of a 2,000-device school, as the gateway really sends it uplink:
 * the small simulated school of the uplink tests (uplink/simulated-school.ts, 19 devices)
 * copied `copies` times (rooms and devices renamed, 105 copies ≈ 2,000 devices), fed through
 * the real pseudonymizer and summaries engine for one hour of school time (08:00–09:00, one-
 * minute windows). What comes out per window close (the seven kinds' window summaries, the
 * hourly roll-ups at 09:00, the alarms raised and cleared in that minute) is the mix a
 * simulated school of the district workload replays, re-stamped with its own site, times and
 * ids (`stampMessage`). Only every 20th copy keeps its alarm events (smoke, forced door,
 * fume hood, a water-leak sensor going offline): a school sees a few dozen alarm messages in
 * that hour, not hundreds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reading } from '../../src/core/reading.js';
import { silentLogger } from '../../src/log.js';
import { createPseudonymizer } from '../../src/privacy/pseudonymizer.js';
import { createSummaries } from '../../src/summaries/engine.js';
import { messageId } from '../../src/summaries/message-id.js';
import type { UplinkMessage } from '../../src/summaries/types.js';
import { createTemplateCatalog } from '../../src/templates/index.js';
import { simulatedSchool } from '../../src/uplink/simulated-school.js';

export const MIX_T0 = Date.parse('2026-03-02T08:00:00Z');
const MINUTE = 60_000;

export interface SchoolMix {
  /** Devices in the simulated school. */
  devices: number;
  /** Messages emitted at the close of window i (0..59), alarms of minute i included; i = 59 carries the hourly roll-ups. */
  windows: UplinkMessage[][];
}

/** Alarm events of copies that do not keep them, made quiet. */
function quiet(r: Reading): Reading {
  const f = { ...r.fields };
  if (r.template === 'smoke-detector') Object.assign(f, { alarm: false, smoke_density_dbm: 0.02 });
  if (r.template === 'door-access' && f.door === 'forced') f.door = 'closed';
  if (r.template === 'lab-fume-hood') Object.assign(f, { low_velocity: false, face_velocity_mps: 0.5 });
  return { ...r, fields: f };
}

export async function captureSchoolMix(copies = 105): Promise<SchoolMix> {
  const log = silentLogger();
  const dir = mkdtempSync(join(tmpdir(), 'district-mix-'));
  const templates = createTemplateCatalog({}, { log });
  await templates.start();
  const pseudo = createPseudonymizer({ keyFile: join(dir, 'pseudonym.key') }, { log });
  await pseudo.start();
  const clock = { t: MIX_T0, now: () => clock.t };
  let current: UplinkMessage[] = [];
  const summaries = createSummaries({ site: 'mix', windowSeconds: 60, graceSeconds: 30, minGroupSize: 5, timeZone: 'UTC' }, {
    log, clock, emit: (m) => void current.push(m),
  });
  const school = simulatedSchool(MIX_T0);
  const rename = (r: Reading, k: number): Reading => ({
    ...r, device: `${r.device}-${k}`,
    tags: { ...r.tags, ...(r.tags.room !== undefined && { room: `${r.tags.room}-${k}` }), ...(r.tags.building !== undefined && { building: `${r.tags.building}${k % 6}` }) },
  });
  const devices = new Set<string>();
  const windows: UplinkMessage[][] = [];
  try {
    // Copy 0's water-leak sensor goes offline (one offline alarm ten minutes later); the others stay online.
    for (let k = 0; k < copies; k++) for (const s of school.statuses) summaries.deviceStatus(`${s.device}-${k}`, s.template, k % 20 === 0 ? s.status : 'online', s.at);
    for (let m = 0; m < 60; m++) {
      for (const b of school.minute(m)) {
        const template = templates.get(b.template);
        if (template === undefined) throw new Error(`no template ${b.template}`);
        const readings: Reading[] = [];
        for (let k = 0; k < copies; k++) {
          for (const r of b.readings) {
            const copy = rename(k % 20 === 0 ? r : quiet(r), k);
            devices.add(copy.device);
            readings.push(copy);
          }
        }
        summaries.ingest(pseudo.deidentify(readings, template), template);
      }
      clock.t = MIX_T0 + (m + 1) * MINUTE + 31_000;
      summaries.tick();
      windows.push(current);
      current = [];
    }
  } finally {
    await summaries.stop();
    await pseudo.stop();
    await templates.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { devices: devices.size + copies /* the water-leak sensors, which only report status */, windows };
}

/**
 * A captured message as school `site` sends it in compressed window `w`: school time is
 * MIX_T0 + w minutes (the captured hour repeated, shifted by whole hours, so roll-ups stay
 * on the hour), the id derived as the gateway derives it (summaries/message-id.ts).
 */
export function stampMessage(m: UplinkMessage, site: string, w: number, t0: number): UplinkMessage {
  const shift = t0 - MIX_T0 + Math.floor(w / 60) * 60 * MINUTE;
  const windowStart = new Date(Date.parse(m.windowStart) + shift).toISOString();
  const windowEnd = new Date(Date.parse(m.windowEnd) + shift).toISOString();
  if (m.kind === 'alarm') {
    return { ...m, site, windowStart, windowEnd, id: messageId([site, m.template, m.device, m.alarm, Date.parse(windowStart), m.state]) };
  }
  return { ...m, site, windowStart, windowEnd, id: messageId([site, m.kind, m.resolution, Date.parse(windowStart)]) };
}
