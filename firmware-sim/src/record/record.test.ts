import { describe, expect, it } from 'vitest';
import { parseDuration } from '../cli.js';
import { encodeMessage } from './recorder.js';
import { decodeMessage } from './replay.js';

describe('recording format', () => {
  it('keeps UTF-8 payloads as text and anything else as base64, round trip', () => {
    const text = encodeMessage(12, 'campus/x/y/telemetry', Buffer.from('{"a":"é"}'), false);
    expect(text).toEqual({ t: 12, topic: 'campus/x/y/telemetry', payload: '{"a":"é"}' });
    const bin = encodeMessage(13, 'campus/x/y/status', Buffer.from([0xff, 0x00, 0xc3]), true);
    expect(bin).toEqual({ t: 13, topic: 'campus/x/y/status', payload_b64: Buffer.from([0xff, 0x00, 0xc3]).toString('base64'), retain: true });
    expect(decodeMessage(JSON.stringify(bin))).toEqual(bin);
    expect(decodeMessage('not json')).toBeUndefined();
    expect(decodeMessage('{"topic":"a"}')).toBeUndefined();
  });

  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1500')).toBe(1500);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });
});
