/**
 * A small simulated school for the demo and tests: N classrooms, each with two
 * classroom-light groups, a smart board, an air-quality monitor, an occupancy
 * sensor and a smoke detector, following
 * the timetable on a sped-up school clock.
 */
import { airQualityMonitor, classroomLight, smartBoard, type DeviceModel } from './mqtt/models.js';
import { occupancySensor, smokeDetector } from './mqtt/models-room.js';
import { createMqttDevice, type SimDevice } from './mqtt/mqtt-device.js';
import { createSchoolClock, periodAt, roomHasClass, type SchoolClock } from './school-clock.js';

export interface SimLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SimulatedSchoolOptions {
  url: string;
  rooms?: number;
  /** Clock speed-up of the school day (default 30×). */
  speed?: number;
  intervalMs?: number;
}

export interface SimulatedSchool {
  start(): Promise<void>;
  stop(): Promise<void>;
  devices(): Array<{ id: string; template: string; room: string }>;
  clock: SchoolClock;
}

export function roomName(index: number): string {
  return `${1 + Math.floor(index / 10)}${String((index % 10) + 1).padStart(2, '0')}`;
}

export function createSimulatedSchool(o: SimulatedSchoolOptions, deps: { log?: SimLogger } = {}): SimulatedSchool {
  const clock = createSchoolClock({ speed: o.speed ?? 30 });
  const rooms = o.rooms ?? 6;
  const interval = o.intervalMs ?? 5_000;
  const sims: Array<{ device: SimDevice; room: string }> = [];

  for (let r = 0; r < rooms; r++) {
    const room = roomName(r);
    const situation = (dt: number) => {
      const minute = clock.minuteOfDay();
      return { inClass: roomHasClass(r, periodAt(minute)), minute, dtSeconds: dt };
    };
    const add = (template: string, id: string, model: DeviceModel) => {
      sims.push({ room, device: createMqttDevice({ url: o.url, template, id, intervalMs: interval, next: (dt) => model(situation(dt)) }) });
    };
    add('classroom-light', `light-${room}-1`, classroomLight(r));
    add('classroom-light', `light-${room}-2`, classroomLight(r + 1));
    add('smart-board', `board-${room}`, smartBoard());
    add('air-quality-monitor', `aqm-${room}`, airQualityMonitor());
    add('occupancy-sensor', `occ-${room}`, occupancySensor());
    add('smoke-detector', `smoke-${room}`, smokeDetector());
  }

  return {
    clock,
    async start() {
      await Promise.all(sims.map((s) => s.device.start()));
      deps.log?.info({ rooms, devices: sims.length, speed: clock.speed }, 'simulated school started');
    },
    async stop() {
      await Promise.all(sims.map((s) => s.device.stop().catch((err: unknown) => deps.log?.warn({ err }, 'simulator stop failed'))));
    },
    devices: () => sims.map((s) => ({ id: s.device.id, template: s.device.template, room: s.room })),
  };
}
