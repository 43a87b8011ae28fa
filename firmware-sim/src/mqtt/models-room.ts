/**
 * Models of the room and building devices (lighting, utilities, teaching,
 * environment, safety): each returns the vendor payload of the device catalog (docs/devices).
 * Cumulative counters only grow, except through `resetCounter()` (a fault).
 */
import type { DeviceModel, MaybeModel, RoomSituation } from './models.js';
import { chance, clamp, jitter, pick, round, simHours } from './util.js';

/** A model whose cumulative counter can be reset (an injected fault: meter replaced or rebooted). */
export type CounterModel = DeviceModel & { resetCounter(): void };

/** A model that also raises events (check-ins, door access) besides its status. */
export interface EventModel {
  status: DeviceModel;
  /** Events since the previous tick, each a vendor event payload (without ts). */
  events(s: RoomSituation): Array<Record<string, unknown>>;
}

const daylight = (minute: number): number => Math.max(0, Math.sin(((minute - 6 * 60) / (12 * 60)) * Math.PI));
const schoolHours = (minute: number): boolean => minute >= 7 * 60 + 20 && minute < 17 * 60 + 30;

/** blackboard-light: on when the teacher writes on the board (part of a lesson). */
export function blackboardLight(): DeviceModel {
  let on = false;
  return (s) => {
    if (!s.inClass) on = false;
    else if (chance(0.2)) on = !on;
    const bri = on ? clamp(Math.round(85 + jitter(10)), 0, 100) : 0;
    return { on, bri, vlux: on ? Math.round(bri * 6 + jitter(20)) + 50 : Math.round(daylight(s.minute) * 80), pw: on ? round(bri * 0.4 + jitter(0.5)) : 0.4 };
  };
}

/** corridor-light: PIR motion around lesson changes, on while motion. */
export function corridorLight(): DeviceModel {
  return (s) => {
    const busy = !s.inClass && schoolHours(s.minute);
    const motion = chance(busy ? 0.8 : schoolHours(s.minute) ? 0.1 : 0.01);
    return { on: motion, motion, pw: motion ? round(12 + jitter(0.3)) : 0.3 };
  };
}

/** smart-socket: a kettle, printer or charger cart; energy_kwh integrates power over simulated time. */
export function smartSocket(seed = 0): CounterModel {
  let e = 100 + (seed % 50) * 7.3;
  const load = [0, 35, 120, 800, 1800][seed % 5] ?? 120;
  const model = (s: RoomSituation) => {
    const on = schoolHours(s.minute) && (s.inClass || chance(0.3));
    const p = on ? clamp(round(load * (0.8 + Math.random() * 0.4) + 2, 1), 0, 4000) : 0;
    e += (p / 1000) * simHours(s.dtSeconds, s.speed);
    return { relay: on ? 1 : 0, p, e: round(e, 2), v: round(229 + jitter(3)) };
  };
  return Object.assign(model, { resetCounter: () => { e = 0; } });
}

/** water-dispenser: boils between classes, dispensed_l grows with breaks. */
export function waterDispenser(): CounterModel {
  let vol = 500 + Math.random() * 2000;
  let wt = 90;
  let filter = 40 + Math.random() * 60;
  const model = (s: RoomSituation) => {
    const h = simHours(s.dtSeconds, s.speed);
    const drawing = schoolHours(s.minute) && !s.inClass;
    vol += (drawing ? 40 : 2) * h * (0.5 + Math.random());
    filter = clamp(filter - 0.01 * h, 0, 100);
    wt = clamp(wt + (drawing ? -2 : 1) * Math.random(), 80, 99.5);
    return { wt: round(wt), vol: round(vol), filter: Math.round(filter), heat: wt < 95 };
  };
  return Object.assign(model, { resetCounter: () => { vol = 0; } });
}

/** recording-system: records during lessons, disk fills slowly. */
export function recordingSystem(): DeviceModel {
  let disk = 600 + Math.random() * 400;
  let cpu = 45;
  return (s) => {
    const rec = s.inClass && s.lesson !== 'pe';
    if (rec) disk = Math.max(5, disk - 0.8 * simHours(s.dtSeconds, s.speed));
    cpu = clamp(cpu + (rec ? 0.5 : -0.5) + jitter(0.5), 35, 80);
    return { rec, streams: rec ? 3 : 0, disk_free: round(disk), cpu_temp: Math.round(cpu) };
  };
}

/** classroom-analytics-camera: metrics only, never images. */
export function analyticsCamera(): DeviceModel {
  return (s) => {
    const present = s.inClass && s.lesson !== 'pe' ? (s.students ?? 40) - (chance(0.2) ? 1 : 0) : 0;
    return {
      present, headup: present ? round(clamp(0.75 + jitter(0.15), 0, 1), 2) : 0,
      hands: present ? Math.floor(Math.random() * 8) : 0, noise: round(present ? 52 + jitter(8) : 35 + jitter(3)),
    };
  };
}

/** campus-broadcast: morning exercise music, bells and eye exercises at fixed times. */
export function campusBroadcast(): DeviceModel {
  return (s) => {
    const m = s.minute;
    const prog = m >= 9 * 60 + 40 && m < 10 * 60 ? 'exercise' : m >= 15 * 60 + 40 && m < 15 * 60 + 45 ? 'eye-exercise'
      : m >= 7 * 60 + 50 && m < 8 * 60 ? 'morning-news' : 'none';
    return { playing: prog !== 'none', vol: prog === 'none' ? 60 : 75, prog };
  };
}

/** occupancy-sensor: people count follows the room's class. */
export function occupancySensor(): DeviceModel {
  return (s) => {
    const count = s.inClass && s.lesson !== 'pe' ? clamp((s.students ?? 40) + 1 + Math.round(jitter(1)), 0, 200) : chance(0.05) ? 1 : 0;
    return { occ: count > 0, count };
  };
}

/** smoke-detector: quiet, battery drains slowly; `alarm` only by fault injection. */
export function smokeDetector(): DeviceModel & { raiseAlarm(on: boolean): void } {
  let bat = 60 + Math.random() * 40;
  let alarm = false;
  const model = (s: RoomSituation) => {
    bat = clamp(bat - 0.001 * simHours(s.dtSeconds, s.speed), 0, 100);
    return { alarm, smoke: round(alarm ? 3.5 + Math.random() : 0.02 + Math.random() * 0.03, 2), bat: Math.round(bat), tamper: false };
  };
  return Object.assign(model, { raiseAlarm: (on: boolean) => { alarm = on; } });
}

/** pen-receiver status: pens connected while a class is in (all of them during writing). */
export function penReceiver(pens: number): DeviceModel {
  return (s) => ({ pens: s.inClass ? pens : Math.floor(pens * 0.1), lowbat: Math.floor(pens * 0.05), rssi: Math.round(-58 + jitter(6)) });
}

/** wristband-base status: bands connected during PE. */
export function wristbandBase(bands: number): DeviceModel {
  return (s) => ({ bands: s.lesson === 'pe' ? bands : 0, lost: round(s.lesson === 'pe' ? Math.random() * 1.5 : 0, 1), rssi: Math.round(-70 + jitter(5)) });
}

/** class-sign: the screen is on in school hours; students check in at the start of a lesson. */
export function classSign(cards: readonly string[]): EventModel {
  let wasInClass = false;
  let pending: string[] = [];
  return {
    status: (s) => ({ screen: schoolHours(s.minute) }),
    events(s) {
      if (s.inClass && !wasInClass && s.lesson !== 'pe') pending = cards.filter(() => chance(0.97));
      wasInClass = s.inClass;
      return pending.splice(0, 5).map((card) => ({ evt: 'checkin', card }));
    },
  };
}

/** door-access: a few card swipes per tick in school hours, the odd refusal; `forced` only by fault. */
export function doorAccess(cards: readonly string[]): EventModel & { force(on: boolean): void } {
  let door: 'open' | 'closed' | 'forced' = 'closed';
  let forced = false;
  return {
    status: (s) => {
      door = forced ? 'forced' : schoolHours(s.minute) && chance(0.3) ? 'open' : 'closed';
      return { door };
    },
    events(s) {
      if (!schoolHours(s.minute) || cards.length === 0) return [];
      const n = chance(0.5) ? 1 + Math.floor(Math.random() * 3) : 0;
      return Array.from({ length: n }, () => ({ evt: 'access', card: pick(cards), granted: chance(0.97) }));
    },
    force(on) { forced = on; },
  };
}

/** morning-check-kiosk: a stream of checks from 07:20 to 08:10, nothing otherwise. */
export function morningCheckKiosk(cards: readonly string[]): MaybeModel {
  let next = 0;
  return (s) => {
    if (s.minute < 7 * 60 + 20 || s.minute >= 8 * 60 + 10 || cards.length === 0) return undefined;
    const card = cards[next++ % cards.length]!;
    const fever = chance(0.01);
    const flags = chance(0.03) ? [pick(['cough', 'runny-nose', 'sore-throat'])] : [];
    return { card, temp: round(fever ? 37.6 + Math.random() : 36.2 + Math.random() * 0.7), flags };
  };
}
