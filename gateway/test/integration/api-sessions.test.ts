// Class sessions end to end: a teacher creates a session with a roster binding
// the school's registered pens, wristbands and a clicker to students; devices publish through the real
// broker (and the clicker's serial lines through the serial decoder into ingest);
// the live view shows who is connected; stop; export per student as JSON and CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { decodeSerialLine } from '../../src/templates/index.js';
import { until } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const LI = 'teacher-li-7c1d9e2f3a4b5c6d';
const WU = 'teacher-wu-0a9b8c7d6e5f4a3b';

interface LiveSession {
  id: string; status: string; connected: number; captured: number;
  live: Array<{ device: string; student: string; connected: boolean; readings: number }>;
}
interface ExportBody {
  session: { id: string; status: string };
  students: Array<{ student: string; devices: string[]; summary: Record<string, unknown>; readings: Array<{ template: string; device: string; fields: Record<string, unknown> }> }>;
}

describe('api: class sessions', () => {
  let gw: RunningGateway;
  let id: string;
  let lastTs = 0;

  const clickerLine = async (line: string) => {
    const template = gw.gateway.templates.get('response-clicker')!;
    const decoded = decodeSerialLine(template, line, { device: 'clicker-base-101', receivedAt: Date.now() });
    expect(decoded.ok).toBe(true);
    // As the serial adapter hands a line in: raw, decoded by the pipeline.
    if (decoded.ok) await gw.gateway.pipeline.receive({ transport: 'serial', device: 'clicker-base-101', template: 'response-clicker', lines: [line], at: Date.now() });
  };
  const pen = (penId: string, t0: number) => ({
    pen: penId, page: '8.12.33.4', bat: 80,
    strokes: [
      { t0, pts: [[100, 200, 300, 0], [110, 210, 320, 10], [120, 220, 310, 10]] },
      { t0: t0 + 100, pts: [[300, 400, 500, 0], [310, 410, 520, 12], [320, 420, 510, 12]] },
    ],
  });

  beforeAll(async () => {
    gw = await startTestGateway({
      http: { tokens: [{ role: 'teacher', tokenHash: hashToken(LI), name: 'ms-li' }, { role: 'teacher', tokenHash: hashToken(WU), name: 'mr-wu' }] },
      // The school registers each student's device; a roster may name only those.
      devices: [
        { id: 'P-00123', template: 'smart-pen', person: 'S-A' }, { id: 'P-00124', template: 'smart-pen', person: 'S-B' },
        { id: 'W-2231', template: 'student-wristband', person: 'S-A' }, { id: 'W-2232', template: 'student-wristband', person: 'S-B' },
        { id: 'C-17', template: 'response-clicker', person: 'S-A' },
      ],
    });
  });
  afterAll(async () => gw?.stop());

  it('creates a session for a room with a roster', async () => {
    const res = await gw.api('/api/sessions', {
      method: 'POST', token: LI,
      body: JSON.stringify({
        room: '101', class: '7B', subject: 'Physics', end: new Date(Date.now() + 3_600_000).toISOString(),
        roster: [
          { device: 'P-00123', student: 'Alice Wang' }, { device: 'W-2231', student: 'Alice Wang' }, { device: 'C-17', student: 'Alice Wang' },
          { device: 'P-00124', student: 'Bob Chen' }, { device: 'W-2232', student: 'Bob Chen' },
        ],
      }),
    });
    expect(res.status).toBe(201);
    const body = await res.json() as { id: string; status: string; owner: string };
    expect(body.status).toBe('live');
    expect(body.owner).toBe('ms-li');
    id = body.id;
  });

  it('shows live who is connected, from what their devices send', async () => {
    const t0 = Date.now();
    lastTs = t0 + 124;
    await gw.publish('smart-pen', 'pen-rx-101', pen('P-00123', t0));
    await gw.publish('student-wristband', 'band-base-101', [
      { band: 'W-2231', hr: 120, steps: 100, spo2: 98, temp: 36.4, bat: 66, ts: t0 },
      { band: 'W-2231', hr: 140, steps: 180, spo2: 97, temp: 36.6, bat: 66, ts: t0 + 50 },
      { band: 'W-2232', hr: 100, steps: 50, spo2: 99, temp: 36.1, bat: 12, ts: t0 },
    ]);
    await clickerLine('ANS,C-17,3,B,2100');
    await clickerLine('HB,BASE-1,31');
    const live = await (await gw.api(`/api/sessions/${id}`, { token: LI })).json() as LiveSession;
    const byDevice = Object.fromEntries(live.live.map((l) => [l.device, l]));
    expect(byDevice['P-00123']?.connected).toBe(true);
    expect(byDevice['W-2231']?.connected).toBe(true);
    expect(byDevice['C-17']?.connected).toBe(true);
    expect(byDevice['W-2232']?.connected).toBe(true);
    expect(byDevice['P-00124']?.connected).toBe(false);
    expect(live.connected).toBe(4);
    // 6 pen points + 2 band samples + 1 answer for Alice, 1 band sample for Bob; the heartbeat is nobody's.
    expect(live.captured).toBe(10);
  });

  it('keeps a session to its teacher', async () => {
    expect((await gw.api(`/api/sessions/${id}`, { token: WU })).status).toBe(404);
    expect(await (await gw.api('/api/sessions', { token: WU })).json()).toEqual([]);
    expect((await gw.api(`/api/sessions/${id}/export`, { token: WU })).status).toBe(404);
  });

  it('stops, then captures nothing more', async () => {
    // The readings above are stamped up to t0 + 124 ms: the stop comes after them (a reading
    // stamped after the stop was not taken while the session ran, and is not kept).
    await until('the last reading\'s time has passed', () => (Date.now() > lastTs + 5 ? true : undefined));
    const res = await gw.api(`/api/sessions/${id}/stop`, { method: 'POST', token: LI });
    expect(res.status).toBe(200);
    expect((await res.json() as { status: string }).status).toBe('stopped');
    await gw.publish('smart-pen', 'pen-rx-101', pen('P-00124', Date.now()));
    const live = await (await gw.api(`/api/sessions/${id}`, { token: LI })).json() as LiveSession;
    expect(live.status).toBe('stopped');
    expect(live.captured).toBe(10);
  });

  it('exports per student as JSON', async () => {
    const res = await gw.api(`/api/sessions/${id}/export?format=json`, { token: LI });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="session-7B-Physics-.*\.json"/);
    const body = await res.json() as ExportBody;
    const alice = body.students.find((s) => s.student === 'Alice Wang')!;
    const bob = body.students.find((s) => s.student === 'Bob Chen')!;
    expect(alice.devices).toEqual(['P-00123', 'W-2231', 'C-17']);
    expect(alice.summary).toMatchObject({ readings: 9, pen_points: 6, pen_strokes: 2, heart_rate_samples: 2, heart_rate_mean_bpm: 130, heart_rate_max_bpm: 140, clicker_answers: 1 });
    expect(bob.summary).toMatchObject({ readings: 1, pen_points: 0, heart_rate_mean_bpm: 100 });
    const answer = alice.readings.find((r) => r.template === 'response-clicker')!;
    expect(answer.fields).toMatchObject({ question_no: 3, choice: 'B', latency_ms: 2100 });
    // The roster (the teacher's) names the device; the stored pseudonym is left out, so the
    // export is no table from clear ids to pseudonyms.
    expect(answer.device).toBe('C-17');
    expect(answer.fields).not.toHaveProperty('clicker_id');
  });

  it('exports per student as CSV, one row per reading', async () => {
    const res = await gw.api(`/api/sessions/${id}/export?format=csv`, { token: LI });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).trimEnd().split('\r\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 5)).toEqual(['student', 'device', 'template', 'ts', 'event']);
    expect(header).toEqual(expect.arrayContaining(['heart_rate_bpm', 'x_mm', 'choice', 'tag_stroke']));
    expect(lines).toHaveLength(11);
    const hr = header.indexOf('heart_rate_bpm');
    const bobRow = lines.find((l) => l.startsWith('Bob Chen,'))!.split(',');
    expect(bobRow[1]).toBe('W-2232');
    expect(bobRow[hr]).toBe('100');
  });
});
