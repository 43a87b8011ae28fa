import { describe, expect, it } from 'vitest';
import { tcpTarget } from './line-port.js';

describe('tcpTarget', () => {
  it('reads tcp://host:port and leaves device paths alone', () => {
    expect(tcpTarget('tcp://127.0.0.1:4001')).toEqual({ host: '127.0.0.1', port: 4001 });
    expect(tcpTarget('tcp://nport-a1.school.lan:950')).toEqual({ host: 'nport-a1.school.lan', port: 950 });
    expect(tcpTarget('tcp://[::1]:4001')).toEqual({ host: '::1', port: 4001 });
    for (const p of ['/dev/ttyUSB0', 'tcp://host', 'tcp://host:0', 'tcp://host:70000', 'tcp://host:1/x', 'COM3']) expect(tcpTarget(p), p).toBeUndefined();
  });
});
