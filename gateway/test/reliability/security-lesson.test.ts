/**
 * The live lesson's stream (`GET /api/sessions/:id/stream`, issue #19 item 4) over real HTTP, with
 * pens and bands publishing through the real broker: the owner gets every stroke (numbered as the
 * export counts them, although each message's stroke index is 0) and every heart rate with its zone;
 * another teacher, district and facilities get nothing, and nothing personal is echoed in an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { until } from '../kit/index.js';
import { takeSseEvents } from '../kit/sse.js';
import { startTestGateway, type RunningGateway } from '../integration/api-harness.js';

const LI = 'teacher-li-lesson-0123456789abcd';
const WU = 'teacher-wu-lesson-0123456789abcd';
const DISTRICT = 'district-lesson-0123456789abcdef';
const FACILITIES = 'facilities-lesson-0123456789abcd';

interface Ev { event: string; data: Record<string, unknown> }

/** Reads the SSE stream until `done` holds for the events so far. */
async function readStream(url: string, token: string, done: (es: Ev[]) => boolean, onOpen?: () => Promise<void>): Promise<Ev[]> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Ev[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  let opened = false;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    const taken = takeSseEvents(buffered);
    buffered = taken.rest;
    events.push(...taken.events);
    if (!opened && events.some((e) => e.event === 'snapshot')) {
      opened = true;
      await onOpen?.();
    }
    if (done(events)) break;
  }
  ac.abort();
  return events;
}

describe('security: the live lesson stream (handwriting wall, PE view)', () => {
  let gw: RunningGateway;
  let id: string;

  beforeAll(async () => {
    gw = await startTestGateway({
      // tokens on the API (what this tests); the broker open on loopback
      http: { tokens: [
        { role: 'teacher', tokenHash: hashToken(LI), name: 'ms-li' }, { role: 'teacher', tokenHash: hashToken(WU), name: 'mr-wu' },
        { role: 'district', tokenHash: hashToken(DISTRICT), name: 'district' }, { role: 'facilities', tokenHash: hashToken(FACILITIES), name: 'fac' },
      ] },
      devices: [{ id: 'P-00123', template: 'smart-pen', person: 'S-A' }, { id: 'W-2231', template: 'student-wristband', person: 'S-A' }],
    });
    const res = await gw.api('/api/sessions', { method: 'POST', token: LI, body: JSON.stringify({ room: '101', class: '三年级2班', subject: '体育', roster: [{ device: 'P-00123', student: '王小明' }, { device: 'W-2231', student: '王小明' }] }) });
    expect(res.status).toBe(201);
    id = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => gw?.stop());

  it('streams the owner\'s pens stroke by stroke and bands with their zone', async () => {
    const t0 = Date.now();
    // the first stroke before the stream opens (it comes in the snapshot), four after: one message each, index 0
    const stroke = (k: number) => ({ pen: 'P-00123', page: '8.1.1.1', bat: 80, strokes: [{ t0: t0 + k * 200, pts: [[100, 100, 300, 0], [120, 110, 400, 8], [140, 120, 500, 8]] }] });
    await gw.publish('smart-pen', 'pen-rx-101', stroke(0));
    await until('the first stroke captured', async () => (((await (await gw.api(`/api/sessions/${id}`, { token: LI })).json()) as { captured: number }).captured === 3 ? true : undefined));
    const events = await readStream(`${gw.base}/api/sessions/${id}/stream`, LI,
      (es) => es.filter((e) => e.event === 'pen').flatMap((e) => e.data.strokes as Array<{ n: number }>).some((s) => s.n === 5) && es.some((e) => e.event === 'heart'),
      async () => {
        for (let k = 1; k < 5; k++) await gw.publish('smart-pen', 'pen-rx-101', stroke(k));
        await gw.publish('student-wristband', 'band-base-101', [{ band: 'W-2231', hr: 150, steps: 1, spo2: 98, temp: 36, bat: 60, ts: t0 }]);
      });
    const snapshot = events.find((e) => e.event === 'snapshot')!.data as { pens: Array<{ device: string; page: string; strokes: Array<{ n: number; pts: number[][] }> }> };
    expect(snapshot.pens).toEqual([{ device: 'P-00123', page: '8.1.1.1', strokes: [{ n: 1, pts: [[10, 10, 300, t0], [12, 11, 400, t0 + 8], [14, 12, 500, t0 + 16]] }] }]);
    const strokes = events.filter((e) => e.event === 'pen').flatMap((e) => e.data.strokes as Array<{ n: number; pts: unknown[] }>);
    expect(strokes.map((s) => s.n)).toEqual([2, 3, 4, 5]);
    expect(strokes.every((s) => s.pts.length === 3)).toBe(true);
    expect(events.find((e) => e.event === 'heart')!.data).toEqual({ device: 'W-2231', ts: t0, bpm: 150, zone: 4, worn: true });
  });

  it('gives another teacher 404 (as if absent), district and facilities 403, nobody without a token', async () => {
    const url = `/api/sessions/${id}/stream`;
    const wu = await gw.api(url, { token: WU });
    expect(wu.status).toBe(404);
    expect(await wu.text()).not.toMatch(/P-00123|王小明|W-2231/);
    expect((await gw.api(url, { token: DISTRICT })).status).toBe(403);
    expect((await gw.api(url, { token: FACILITIES })).status).toBe(403);
    expect((await gw.api(url)).status).toBe(401);
    expect((await gw.api('/api/sessions/not-a-uuid/stream', { token: LI })).status).toBe(400);
  });
});
