import { describe, expect, it } from 'vitest';
import { statements, toSummaryItems } from './district-query.js';

describe('district InfluxQL', () => {
  const q = { from: 1000, to: 2000, limit: 10 };
  it('puts every query value in a quoted literal, so a quote cannot end it', () => {
    const s = statements.summaryPoints({ ...q, site: "x' OR 1=1 --", kind: 'device-health', resolution: 'day' }, 1500);
    expect(s).toBe(`SELECT * FROM "summary_device_health" WHERE time >= 1500ms AND time < 2000ms AND "site" = 'x\\' OR 1=1 --' AND "resolution" = 'day' GROUP BY *`);
    expect(statements.alarms({ ...q, site: 'a\\' }, 'r"p')).toBe(`SELECT * FROM "r\\"p"."alarm" WHERE time >= 1000ms AND time < 2000ms AND "site" = 'a\\\\' ORDER BY time DESC LIMIT 11`);
  });
  it('finds the newest messages from their site points across every summary measurement', () => {
    expect(statements.summaryHeads(q)).toBe(`SELECT "msg_id" FROM /^summary_/ WHERE time >= 1000ms AND time < 2000ms AND "scope" = 'site' ORDER BY time DESC LIMIT 11`);
  });
  it('rebuilds messages from points: values from the site point, rows from the others, newest first', () => {
    const items = toSummaryItems([
      { name: 'summary_energy', tags: { site: 'a', resolution: 'day', scope: 'site', device: '', building: '' }, columns: ['time', 'energy_kwh', 'msg_id'], values: [[0, 5, 'm0'], [86_400_000, 7, 'm1']] },
      { name: 'summary_energy', tags: { site: 'a', resolution: 'day', scope: 'meter', device: 'meter-1', building: 'A' }, columns: ['time', 'energy_kwh', 'msg_id'], values: [[86_400_000, 7, 'm1']] },
      { name: 'summary_device_health', tags: { site: 'b', resolution: 'day', scope: 'site' }, columns: ['time', 'devices_online', 'msg_id'], values: [[0, 3, 'm2']] },
    ]);
    expect(items).toEqual([
      { id: 'm1', site: 'a', kind: 'energy', resolution: 'day', windowStart: '1970-01-02T00:00:00.000Z', values: { energy_kwh: 7 }, rows: [{ tags: { scope: 'meter', device: 'meter-1', building: 'A' }, values: { energy_kwh: 7 } }] },
      { id: 'm0', site: 'a', kind: 'energy', resolution: 'day', windowStart: '1970-01-01T00:00:00.000Z', values: { energy_kwh: 5 }, rows: [] },
      { id: 'm2', site: 'b', kind: 'device-health', resolution: 'day', windowStart: '1970-01-01T00:00:00.000Z', values: { devices_online: 3 }, rows: [] },
    ]);
  });
});
