/**
 * Device models for the MQTT templates: each keeps a little state and produces
 * the vendor payload of the device catalog (docs/devices) from the room's situation.
 */
import { clamp, jitter, round } from './util.js';

export interface RoomSituation {
  /** A class is in the room now. */
  inClass: boolean;
  /** Minute of the simulated day. */
  minute: number;
  /** Real seconds since the previous tick of this device. */
  dtSeconds: number;
  /** What kind of lesson is on (scenario runs); absent in the demo school. */
  lesson?: LessonKind;
  /** Students in the room now (scenario runs). */
  students?: number;
  /** Clock speed-up: simulated seconds per real second (default 30). */
  speed?: number;
}

export type LessonKind = 'none' | 'normal' | 'writing' | 'pe';

/** A model that may skip a tick (returns undefined: nothing to report). */
export type MaybeModel = (s: RoomSituation) => Record<string, unknown> | undefined;

export type DeviceModel = (s: RoomSituation) => Record<string, unknown>;

/** classroom-light: on during lessons (and the odd forgotten light after), dims by daylight. */
export function classroomLight(seed: number): DeviceModel {
  let forgotten = false;
  return (s) => {
    if (!s.inClass && Math.random() < 0.002) forgotten = !forgotten;
    const on = s.inClass || forgotten;
    const daylight = Math.max(0, Math.sin(((s.minute - 6 * 60) / (12 * 60)) * Math.PI));
    const bri = on ? clamp(Math.round(95 - daylight * 40 + jitter(3) + (seed % 3)), 10, 100) : 0;
    const lux = on ? clamp(round(bri * 6.2 + daylight * 150 + jitter(15), 0), 0, 5000) : round(daylight * 150, 0);
    const pw = on ? round(bri * 0.45 + jitter(0.5)) : 0.4;
    return { on, bri, cct: on ? 5000 : 4000, lux, pw };
  };
}

/** smart-board: whiteboard or courseware during lessons, standby between. */
export function smartBoard(): DeviceModel {
  let temp = 30;
  const apps = ['whiteboard', 'courseware', 'video', 'browser'];
  let app = 'whiteboard';
  return (s) => {
    const power = s.inClass ? 'on' : 'standby';
    temp = clamp(temp + (s.inClass ? 0.05 : -0.05) * s.dtSeconds + jitter(0.1), 25, 55);
    if (s.inClass && Math.random() < 0.05) app = apps[Math.floor(Math.random() * apps.length)] ?? 'whiteboard';
    return {
      power, src: 'ops', app: s.inClass ? app : 'none',
      touches: s.inClass ? Math.floor(Math.random() * 40) : 0, temp: round(temp),
    };
  };
}

/** air-quality-monitor: CO2 rises while a class is in, decays toward outdoor air between lessons. */
export function airQualityMonitor(): DeviceModel {
  let co2 = 450;
  let pm25 = 25 + Math.random() * 20;
  let t = 22 + Math.random() * 2;
  return (s) => {
    const minutes = (s.dtSeconds / 60) * 30;
    co2 = s.inClass ? co2 + 12 * minutes : co2 - (co2 - 420) * 0.05 * minutes;
    co2 = clamp(co2 + jitter(5), 400, 5000);
    pm25 = clamp(pm25 + jitter(1.5), 3, 300);
    t = clamp(t + (s.inClass ? 0.01 : -0.01) * minutes + jitter(0.05), 16, 32);
    return {
      pm25: Math.round(pm25), pm10: Math.round(pm25 * 1.5), co2: Math.round(co2),
      tvoc: round(0.1 + co2 / 10_000, 2), hcho: round(0.02 + Math.random() * 0.02, 2),
      t: round(t), rh: Math.round(clamp(45 + jitter(5), 20, 90)),
    };
  };
}

export * from './models-room.js';
export * from './models-people.js';
