/**
 * Which model drives which MQTT template in a scenario, and the bad payload
 * each template gets when a fault injects one (out of the catalog's range, or
 * not JSON at all), so the gateway has something to reject.
 */
import * as m from '../mqtt/models.js';
import type { MaybeModel, RoomSituation } from '../mqtt/models.js';
import type { PlannedDevice, PlannedRoom } from './plan.js';

export interface DeviceBehaviour {
  telemetry: MaybeModel;
  events?: (s: RoomSituation) => Array<Record<string, unknown>>;
  resetCounter?: () => void;
  alarm?: (on: boolean) => void;
}

export function behaviourFor(d: PlannedDevice, room: PlannedRoom, ctx: { allCards: string[]; seed: number; pens: number; bands: number }): DeviceBehaviour {
  switch (d.template) {
    case 'classroom-light': return { telemetry: m.classroomLight(ctx.seed) };
    case 'blackboard-light': return { telemetry: m.blackboardLight() };
    case 'corridor-light': return { telemetry: m.corridorLight() };
    case 'smart-socket': { const t = m.smartSocket(ctx.seed); return { telemetry: t, resetCounter: t.resetCounter }; }
    case 'water-dispenser': { const t = m.waterDispenser(); return { telemetry: t, resetCounter: t.resetCounter }; }
    case 'smart-board': return { telemetry: m.smartBoard() };
    case 'pen-receiver': return { telemetry: m.penReceiver(ctx.pens) };
    case 'class-sign': { const e = m.classSign(room.cards); return { telemetry: e.status, events: (s) => e.events(s) }; }
    case 'recording-system': return { telemetry: m.recordingSystem() };
    case 'classroom-analytics-camera': return { telemetry: m.analyticsCamera() };
    case 'campus-broadcast': return { telemetry: m.campusBroadcast() };
    case 'wristband-base': return { telemetry: m.wristbandBase(ctx.bands) };
    case 'smart-jump-rope': return { telemetry: m.smartJumpRope(ctx.allCards.slice(0, 80)) };
    case 'morning-check-kiosk': return { telemetry: m.morningCheckKiosk(ctx.allCards) };
    case 'air-quality-monitor': return { telemetry: m.airQualityMonitor() };
    case 'occupancy-sensor': return { telemetry: m.occupancySensor() };
    case 'smoke-detector': { const t = m.smokeDetector(); return { telemetry: t, alarm: t.raiseAlarm }; }
    case 'door-access': {
      const e = m.doorAccess(ctx.allCards);
      return { telemetry: e.status, events: (s) => e.events(s), alarm: (on) => e.force(on) };
    }
    default: throw new Error(`no MQTT model for template ${d.template}`);
  }
}

const OUT_OF_RANGE: Record<string, Record<string, unknown>> = {
  'classroom-light': { on: true, bri: 150, cct: 5000, lux: 500, pw: 30 },
  'air-quality-monitor': { pm25: 35, pm10: 52, co2: 820, tvoc: 0.21, hcho: 0.03, t: 24.1, rh: 145 },
  'smart-board': { power: 'on', src: 'ops', app: 'whiteboard', touches: 3, temp: 140 },
  'smart-socket': { relay: 1, p: 9000, e: 10, v: 230 },
  'occupancy-sensor': { occ: true, count: 900 },
  'morning-check-kiosk': { card: 'K0000001', temp: 48, flags: [] },
};

/** A payload the gateway must reject: out of range where the catalog gives a range, else not JSON. */
export function badPayload(template: string, n: number): string {
  const bad = OUT_OF_RANGE[template];
  if (bad && n % 2 === 0) return JSON.stringify(bad);
  return '{"broken": tru';
}
