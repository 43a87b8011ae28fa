import { describe, expect, it } from 'vitest';
import { createRootLogger, resolveLogFormat } from './log.js';

function capture() {
  const out: string[] = [];
  return { out, sink: { write: (s: string) => void out.push(s) } };
}

describe('resolveLogFormat', () => {
  it('flag, then GATEWAY_LOG_FORMAT, then pretty on a terminal and JSON otherwise', () => {
    expect(resolveLogFormat(undefined, {}, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, {}, false)).toBe('json');
    expect(resolveLogFormat(undefined, { GATEWAY_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(resolveLogFormat(undefined, { GATEWAY_LOG_FORMAT: '' }, false)).toBe('json');
    expect(resolveLogFormat('json', { GATEWAY_LOG_FORMAT: 'pretty' }, true)).toBe('json');
  });

  it('refuses anything else, naming where it came from', () => {
    expect(() => resolveLogFormat('xml', {}, true)).toThrow('GW_ERR_LOG_FORMAT: --log-format must be json or pretty (got "xml")');
    expect(() => resolveLogFormat(undefined, { GATEWAY_LOG_FORMAT: 'JSON' }, true)).toThrow(/GW_ERR_LOG_FORMAT: GATEWAY_LOG_FORMAT must be/);
  });
});

describe('createRootLogger', () => {
  const secrets = { password: 'pw-1', token: 'tok-2', uplink: { password: 'pw-3' }, headers: { authorization: 'Basic c2VjcmV0' }, user: { tokenHash: 'scrypt$x' } };

  it('pretty: one line with time, level, [component] and message; secrets redacted', () => {
    const { out, sink } = capture();
    createRootLogger('info', sink, 'pretty').child({ component: 'broker' }).info({ ports: { mqtt: 1883 }, ...secrets }, 'MQTT broker listening');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[broker\] MQTT broker listening \{"ports":\{"mqtt":1883\},"password":"\[redacted\]"/);
    expect(out[0]!.endsWith('\n')).toBe(true);
    for (const s of ['pw-1', 'tok-2', 'pw-3', 'c2VjcmV0', 'scrypt$x']) expect(out[0]).not.toContain(s);
  });

  it('json: one object per line, same redaction', () => {
    const { out, sink } = capture();
    createRootLogger('info', sink, 'json').warn(secrets, 'hello');
    const entry = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 40, msg: 'hello', service: 'campus-gateway', password: '[redacted]', token: '[redacted]', uplink: { password: '[redacted]' }, headers: { authorization: '[redacted]' } });
    for (const s of ['pw-1', 'tok-2', 'pw-3', 'c2VjcmV0', 'scrypt$x']) expect(out[0]).not.toContain(s);
  });
});
