import { describe, expect, it } from 'vitest';
import { hubMessageSchema, toLines } from './points.js';
import { parseHubConfig } from './config.js';

describe('hub points', () => {
  it('writes a summary as one site point and one point per row, in summary_<kind>', () => {
    const m = hubMessageSchema.parse({
      id: 'm-1', site: 'school-1', kind: 'device-health', resolution: 'window',
      windowStart: '2026-03-02T08:00:00.000Z', windowEnd: '2026-03-02T08:01:00.000Z',
      values: { devices_online: 3, rejected: 1 },
      rows: [{ tags: { scope: 'rejected', template: 'smart-board', reason: 'out of range' }, values: { count: 1 } }],
    });
    expect(toLines(m)).toEqual([
      'summary_device_health,resolution=window,scope=site,site=school-1 devices_online=3,rejected=1,msg_id="m-1" 1772438400000',
      'summary_device_health,reason=out\\ of\\ range,resolution=window,scope=rejected,site=school-1,template=smart-board count=1,msg_id="m-1" 1772438400000',
    ]);
  });

  it('writes an alarm with its value as a string field, whatever its type', () => {
    const m = hubMessageSchema.parse({
      id: 'a-1', site: 'school-1', kind: 'alarm', template: 'door-access', device: 'door-1', room: 'lab', alarm: 'door', value: 'forced',
      state: 'raised', windowStart: '2026-03-02T08:00:03.000Z', windowEnd: '2026-03-02T08:00:03.000Z',
    });
    expect(toLines(m)).toEqual(['alarm,alarm=door,device=door-1,room=lab,site=school-1,template=door-access raised=true,value="forced",msg_id="a-1" 1772438403000']);
  });

  it('rejects a message without an id or with a bad kind', () => {
    expect(hubMessageSchema.safeParse({ site: 's', kind: 'energy' }).success).toBe(false);
    expect(hubMessageSchema.safeParse({ id: 'x', site: 's', kind: 'weather', resolution: 'window', windowStart: '2026-03-02T08:00:00Z', windowEnd: '2026-03-02T08:00:00Z', values: {} }).success).toBe(false);
  });

  it('validates the hub config and names the bad key', () => {
    const c = parseHubConfig({ broker: { url: 'mqtt://127.0.0.1:1883' }, influx: { url: 'http://127.0.0.1:8086' } });
    expect(c).toMatchObject({ broker: { sharedGroup: null, protocolVersion: 5, topicPrefix: 'hub' }, influx: { database: 'district' }, dedup: { capacity: 1_000_000 } });
    expect(() => parseHubConfig({ broker: { url: 'http://x' }, influx: { url: 'http://127.0.0.1:8086' }, extra: 1 }, 'hub.yaml')).toThrow(/broker\.url: expected an MQTT URL[\s\S]*extra: unknown key; expected one of: broker, influx, dedup, log|extra: unknown key[\s\S]*broker\.url/);
  });
});
