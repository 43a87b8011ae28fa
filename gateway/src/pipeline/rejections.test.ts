import { describe, expect, it } from 'vitest';
import { privacyOf, RAW_PREVIEW, rejectionMessage, type Rejection } from './rejections.js';

const r: Rejection = {
  device: 'WB-7731', template: 'student-wristband', code: 'out_of_range', reason: 'heart_rate_bpm (hr): out_of_range (max 230)',
  field: 'heart_rate_bpm', channel: 'telemetry', topic: 'campus/student-wristband/WB-7731/telemetry', raw: `{"band":"B-1","hr":231}${' '.repeat(300)}`, bytes: 323,
};
const NOW = Date.UTC(2026, 0, 5, 8);
const pseudonym = (id: string): string => `p-${id.length.toString(16).padStart(24, '0')}`;

describe('rejectionMessage', () => {
  it('personal template: the device by pseudonym, no topic, no raw; code, field, reason and size only', () => {
    expect(rejectionMessage(r, 'personal', pseudonym, NOW)).toEqual({
      ts: '2026-01-05T08:00:00.000Z', template: 'student-wristband', device: pseudonym('WB-7731'), code: 'out_of_range',
      reason: 'heart_rate_bpm (hr): out_of_range (max 230)', field: 'heart_rate_bpm', channel: 'telemetry', bytes: 323,
    });
  });
  it('personal template without a pseudonymizer (or before its key is loaded): the device is left out, never shown', () => {
    expect(rejectionMessage(r, 'personal', undefined, NOW).device).toBeUndefined();
    expect(rejectionMessage(r, 'personal', () => { throw new Error('GW_ERR_PSEUDONYM_KEY'); }, NOW).device).toBeUndefined();
  });
  it('unknown template: the device id, but no raw input (nothing says it is not personal)', () => {
    const m = rejectionMessage({ ...r, template: 'nope' }, 'unknown', pseudonym, NOW);
    expect(m).toMatchObject({ device: 'WB-7731', template: 'nope' });
    expect(m.raw).toBeUndefined();
    expect(m.topic).toBeUndefined();
  });
  it('other templates: device id, topic and a short start of the raw input', () => {
    const m = rejectionMessage({ ...r, template: 'smart-board' }, 'none', pseudonym, NOW);
    expect(m).toMatchObject({ device: 'WB-7731', topic: r.topic });
    expect(m.raw).toHaveLength(RAW_PREVIEW);
  });
  it('privacyOf: a field with a privacy class makes a template personal', () => {
    expect(privacyOf({ fields: [{ name: 'card', zh: '学生卡', type: 'string', role: 'event', privacy: 'id' }] })).toBe('personal');
    expect(privacyOf({ fields: [{ name: 'power_w', zh: '功率', type: 'number', role: 'gauge' }] })).toBe('none');
    expect(privacyOf(undefined)).toBe('unknown');
  });
});
