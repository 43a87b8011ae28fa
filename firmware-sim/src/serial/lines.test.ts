import { describe, expect, it } from 'vitest';
import { seededRandom } from '../modbus/devices.js';
import { clickerAnswer, fitnessResult, nmeaChecksum, noiseSentence, pjlinkAnswer } from './lines.js';

describe('serial line formats', () => {
  it('computes the NMEA XOR checksum', () => {
    // Classic NMEA example: $GPGLL,5300.97914,N,00259.98174,E,125926,A*28
    expect(nmeaChecksum('GPGLL,5300.97914,N,00259.98174,E,125926,A')).toBe('28');
    expect(noiseSentence(52.3, 61, 'A')).toBe(`$NOISE,52.3,61.0,A*${nmeaChecksum('NOISE,52.3,61.0,A')}`);
    expect(noiseSentence(52.3, 61, 'A', true)).not.toBe(noiseSentence(52.3, 61, 'A'));
  });
  it('answers PJLink queries', () => {
    const s = { power: 1 as const, lampHours: 1520.4, lampOn: true, errors: [0, 0, 1, 0, 2, 0] as [number, number, number, number, number, number] };
    expect(pjlinkAnswer('%1POWR ?', s)).toBe('%1POWR=1');
    expect(pjlinkAnswer('%1LAMP ?', s)).toBe('%1LAMP=1520 1');
    expect(pjlinkAnswer('%1ERST ?', s)).toBe('%1ERST=001020');
    expect(pjlinkAnswer('%1INPT ?', s)).toBe('%1INPT=ERR1');
  });
  it('formats clicker and fitness lines', () => {
    const rnd = seededRandom(3);
    expect(clickerAnswer(rnd, 4)).toMatch(/^ANS,C-\d{4},4,[A-F],\d+$/);
    expect(fitnessResult(rnd)).toMatch(/^FT,S2023\d{3},(HEIGHT|WEIGHT|VC|SITREACH|RUN50),-?[\d.]+,(cm|kg|ml|s)$/);
  });
});
