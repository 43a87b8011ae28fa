import { describe, expect, it } from 'vitest';
import { deviceTopic, parseDeviceTopic } from './topics.js';

describe('parseDeviceTopic', () => {
  it('parses the four device channels', () => {
    expect(parseDeviceTopic('campus/classroom-light/L-101-1/telemetry')).toEqual({
      template: 'classroom-light', device: 'L-101-1', channel: 'telemetry',
    });
    expect(parseDeviceTopic(deviceTopic('door-access', 'D1', 'event'))?.channel).toBe('event');
  });
  it('refuses anything else', () => {
    for (const t of ['campus/x/y', 'campus/x/y/telemetry/extra', 'other/x/y/telemetry', 'campus/x/y/foo', 'campus//y/telemetry', 'campus/x/+/telemetry', 'campus/x/#/status']) {
      expect(parseDeviceTopic(t), t).toBeUndefined();
    }
  });
});
