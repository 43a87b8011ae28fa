/**
 * The scenario file (YAML, validated with zod): a school to simulate. Buildings
 * hold rooms of a `room_types` entry; a room type lists its devices per
 * transport. Lessons say which classrooms write with pens and which classes go
 * to PE; faults are injected at simulated times of day.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day HH:MM');
const count = z.number().int().min(0);
const templateId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a kebab-case template id');

export const MQTT_TEMPLATES = [
  'classroom-light', 'blackboard-light', 'corridor-light', 'smart-socket', 'water-dispenser', 'smart-board',
  'pen-receiver', 'class-sign', 'recording-system', 'classroom-analytics-camera', 'campus-broadcast',
  'wristband-base', 'smart-jump-rope', 'morning-check-kiosk', 'air-quality-monitor', 'occupancy-sensor',
  'smoke-detector', 'door-access',
] as const;
/** Published through a receiver/base connection, not their own. */
export const GROUPED_TEMPLATES = ['smart-pen', 'student-wristband'] as const;
export const MODBUS_TCP_TEMPLATES = ['energy-meter-3p', 'solar-inverter', 'air-conditioner', 'lab-fume-hood'] as const;
export const MODBUS_RTU_TEMPLATES = ['lighting-relay-8ch', 'energy-meter-1p', 'water-meter', 'fresh-air-unit', 'env-sensor-rs485', 'water-leak-sensor'] as const;
export const SERIAL_TEMPLATES = ['projector', 'response-clicker', 'fitness-test-station', 'noise-meter'] as const;

const roomTypeSchema = z.strictObject({
  mqtt: z.partialRecord(z.enum(MQTT_TEMPLATES), count).default({}),
  modbus: z.partialRecord(z.enum([...MODBUS_TCP_TEMPLATES, ...MODBUS_RTU_TEMPLATES]), count).default({}),
  serial: z.partialRecord(z.enum(SERIAL_TEMPLATES), count).default({}),
  /** Smart pens behind each pen-receiver of the room. */
  pens_per_receiver: count.default(0),
  /** Wristbands relayed by each wristband-base of the room. */
  bands_per_base: count.default(0),
  /** A room where classes are taught (follows the timetable). */
  teaching: z.boolean().default(false),
  /** A class's home room (its students' cards belong here); default: teaching rooms. */
  home_room: z.boolean().optional(),
});

const selectorSchema = z.strictObject({
  device: z.string().optional(),
  template: templateId.optional(),
  room: z.string().optional(),
  /** How many matching devices (the first N in plan order); default 1. */
  count: z.number().int().min(1).default(1),
}).refine((s) => s.device !== undefined || s.template !== undefined, { message: 'a fault names a device or a template' });

const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('silent'), at: hhmm, for_min: z.number().positive(), select: selectorSchema }),
  z.strictObject({ kind: z.literal('disconnect'), at: hhmm, select: selectorSchema }),
  z.strictObject({ kind: z.literal('bad_payload'), at: hhmm, messages: z.number().int().min(1).default(3), select: selectorSchema }),
  z.strictObject({ kind: z.literal('counter_reset'), at: hhmm, select: selectorSchema }),
  z.strictObject({ kind: z.literal('alarm'), at: hhmm, for_min: z.number().positive(), select: selectorSchema }),
]);

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  site: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/).default('demo-school'),
  clock: z.strictObject({
    /** Simulated seconds per real second. */
    speed: z.number().positive().default(60),
    start: hhmm.default('07:20'),
    end: hhmm.default('17:00'),
  }).prefault({}),
  /** QoS of device publishes (1: acknowledged, so a run can be reconciled). */
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
  /** Real milliseconds between reports, per template; `default` for the rest. */
  intervals_ms: z.record(z.string(), z.number().int().min(50)).default({}),
  students_per_class: z.number().int().min(1).max(80).default(40),
  timetable: z.strictObject({
    periods: z.array(z.tuple([hhmm, hhmm])).min(1).default([
      ['08:00', '08:45'], ['08:55', '09:40'], ['10:00', '10:45'], ['10:55', '11:40'],
      ['14:00', '14:45'], ['14:55', '15:40'], ['15:50', '16:35'],
    ]),
    /** Share of (classroom, period) slots with a class. */
    busy_share: z.number().min(0).max(1).default(0.85),
    /** The first `rooms` teaching rooms write with pens in these periods (0-based). */
    writing: z.strictObject({ rooms: count.default(0), periods: z.array(count).default([]) }).prefault({}),
    /** `classes` classes (the first teaching rooms after the writers) go to PE in these periods. */
    pe: z.strictObject({ classes: count.default(0), periods: z.array(count).default([]) }).prefault({}),
  }).prefault({}),
  room_types: z.record(z.string(), roomTypeSchema),
  buildings: z.array(z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9]+$/),
    /** RTU units per RS-485 bus (one pty each). */
    rtu_units_per_bus: z.number().int().min(1).max(247).default(32),
    rooms: z.array(z.strictObject({
      type: z.string(),
      /** Room ids `<prefix><NN>` for NN = start … start+count−1. */
      prefix: z.string().regex(/^[A-Za-z0-9-]*$/),
      count: z.number().int().min(1).default(1),
      start: z.number().int().min(0).default(1),
    })).min(1),
  })).min(1),
  faults: z.array(faultSchema).default([]),
}).superRefine((s, ctx) => {
  s.buildings.forEach((b, bi) => b.rooms.forEach((r, ri) => {
    if (!s.room_types[r.type]) ctx.addIssue({ code: 'custom', path: ['buildings', bi, 'rooms', ri, 'type'], message: `no room type "${r.type}" in room_types (have: ${Object.keys(s.room_types).join(', ')})` });
  }));
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Fault = Scenario['faults'][number];
export type FaultSelector = z.infer<typeof selectorSchema>;

export class ScenarioError extends Error {
  readonly code = 'SIM_ERR_SCENARIO';
}

/** Validates a parsed scenario; errors name the file, the key path and what was expected. */
export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ScenarioError(`${source}: invalid scenario\n${lines.join('\n')}`);
}

export function loadScenario(file: string): Scenario {
  return parseScenario(parse(readFileSync(file, 'utf8')) as unknown, file);
}

/** Minutes since midnight of "HH:MM". */
export function minuteOf(hhmmText: string): number {
  const [h, m] = hhmmText.split(':').map(Number) as [number, number];
  return h * 60 + m;
}
