import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConnectionGate, normalizeAddress } from './connection-gate.js';

function fakeSocket(): Socket & { destroyed: boolean } {
  const s = new EventEmitter() as unknown as Socket & { destroyed: boolean };
  s.destroyed = false;
  s.destroy = () => {
    if (!s.destroyed) {
      s.destroyed = true;
      s.emit('close');
    }
    return s;
  };
  return s;
}

afterEach(() => vi.useRealTimers());

describe('connection gate', () => {
  it('caps open sockets per address, except exempt ones, and frees a slot on close', () => {
    const gate = createConnectionGate({ connectTimeoutMs: 1000, maxPerAddress: 2, exempt: ['127.0.0.1'] });
    const a = [fakeSocket(), fakeSocket(), fakeSocket()];
    expect(a.map((s) => gate.admit(s, '10.0.0.5'))).toEqual([true, true, false]);
    expect(gate.admit(fakeSocket(), '10.0.0.6')).toBe(true);
    expect([1, 2, 3].map(() => gate.admit(fakeSocket(), '127.0.0.1'))).toEqual([true, true, true]);
    a[0]!.destroy();
    expect(gate.admit(fakeSocket(), '10.0.0.5')).toBe(true);
    expect(gate.stats().perAddressRefused).toBe(1);
    gate.close();
  });

  it('destroys a socket that sends no CONNECT by the deadline, and spares one that did', () => {
    vi.useFakeTimers();
    const gate = createConnectionGate({ connectTimeoutMs: 1000, maxPerAddress: 10, exempt: [] });
    const idle = fakeSocket();
    const mqtt = fakeSocket();
    gate.admit(idle, 'a');
    gate.admit(mqtt, 'a');
    vi.advanceTimersByTime(500);
    gate.connected(mqtt);
    vi.advanceTimersByTime(600);
    expect(idle.destroyed).toBe(true);
    expect(mqtt.destroyed).toBe(false);
    expect(gate.stats().connectTimeouts).toBe(1);
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(normalizeAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeAddress('fe80::1')).toBe('fe80::1');
    expect(normalizeAddress(undefined)).toBe('unknown');
  });
});
