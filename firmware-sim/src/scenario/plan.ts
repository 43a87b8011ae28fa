/**
 * Expands a scenario into the flat list of devices it simulates (pure): ids,
 * rooms, transports, Modbus unit ids and buses, serial lines, the pens and
 * bands behind each receiver/base, and the timetable of each room.
 */
import { MODBUS_RTU_TEMPLATES, minuteOf, type Scenario } from './schema.js';
import type { LessonKind } from '../mqtt/models.js';

export type Transport = 'mqtt' | 'mqtt-group' | 'modbus-tcp' | 'modbus-rtu' | 'serial';

export interface PlannedDevice {
  id: string;
  template: string;
  room: string;
  building: string;
  transport: Transport;
  /** For pens and bands: the receiver/base whose connection carries them. */
  group?: string;
  /** Modbus: the TCP server or RTU bus key, and the unit id on it. */
  bus?: string;
  unitId?: number;
  /** Students bound to the device (pens, bands). */
  person?: string;
}

export interface PlannedRoom {
  id: string;
  building: string;
  type: string;
  /** Index among teaching rooms, or -1. */
  teaching: number;
  /** Cards of the class that has this room as its home. */
  cards: string[];
  gym: boolean;
}

export interface RoomState {
  inClass: boolean;
  lesson: LessonKind;
  students: number;
}

export interface SchoolPlan {
  devices: PlannedDevice[];
  rooms: PlannedRoom[];
  /** Modbus buses: key → transport. */
  buses: Map<string, 'tcp' | 'rtu'>;
  allCards: string[];
  /** The period index at a simulated minute, or -1. */
  periodAt(minute: number): number;
  roomState(room: PlannedRoom, minute: number): RoomState;
}

const RTU = new Set<string>(MODBUS_RTU_TEMPLATES);
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function planSchool(s: Scenario): SchoolPlan {
  const devices: PlannedDevice[] = [];
  const rooms: PlannedRoom[] = [];
  const buses = new Map<string, 'tcp' | 'rtu'>();
  let teaching = 0;
  for (const b of s.buildings) {
    let rtuBus = 0;
    let rtuUnits = 0;
    let tcpUnits = 0;
    for (const group of b.rooms) {
      const type = s.room_types[group.type]!;
      for (let n = 0; n < group.count; n++) {
        const id = `${group.prefix}${pad(group.start + n)}`;
        const room: PlannedRoom = {
          id, building: b.id, type: group.type, teaching: type.teaching ? teaching++ : -1,
          cards: (type.home_room ?? type.teaching) ? Array.from({ length: s.students_per_class }, (_, i) => `S${id}${pad(i + 1)}`) : [],
          gym: (type.mqtt['wristband-base'] ?? 0) > 0,
        };
        rooms.push(room);
        const add = (d: Omit<PlannedDevice, 'room' | 'building'>) => devices.push({ ...d, room: id, building: b.id });
        for (const [template, k] of Object.entries(type.mqtt)) {
          for (let i = 1; i <= (k ?? 0); i++) {
            const devId = `${id}-${template}-${i}`;
            add({ id: devId, template, transport: 'mqtt' });
            if (template === 'pen-receiver') {
              for (let p = 1; p <= type.pens_per_receiver; p++) {
                add({ id: `P-${id}-${i}-${pad(p)}`, template: 'smart-pen', transport: 'mqtt-group', group: devId, ...(room.cards[p - 1] ? { person: room.cards[p - 1] } : {}) });
              }
            }
            if (template === 'wristband-base') {
              for (let p = 1; p <= type.bands_per_base; p++) add({ id: `W-${id}-${i}-${pad(p)}`, template: 'student-wristband', transport: 'mqtt-group', group: devId });
            }
          }
        }
        for (const [template, k] of Object.entries(type.modbus)) {
          for (let i = 1; i <= (k ?? 0); i++) {
            if (RTU.has(template)) {
              if (rtuUnits >= b.rtu_units_per_bus) { rtuBus++; rtuUnits = 0; }
              const bus = `${b.id}-rtu${rtuBus}`;
              buses.set(bus, 'rtu');
              add({ id: `${id}-${template}-${i}`, template, transport: 'modbus-rtu', bus, unitId: ++rtuUnits });
            } else {
              const bus = `${b.id}-tcp`;
              buses.set(bus, 'tcp');
              add({ id: `${id}-${template}-${i}`, template, transport: 'modbus-tcp', bus, unitId: ++tcpUnits });
            }
          }
        }
        for (const [template, k] of Object.entries(type.serial)) {
          for (let i = 1; i <= (k ?? 0); i++) add({ id: `${id}-${template}-${i}`, template, transport: 'serial' });
        }
      }
    }
  }
  const periods = s.timetable.periods.map(([a, b]) => [minuteOf(a), minuteOf(b)] as const);
  const periodAt = (minute: number) => periods.findIndex(([a, b]) => minute >= a && minute < b);
  const { writing, pe, busy_share } = s.timetable;
  const isWriting = (t: number, p: number) => t >= 0 && t < writing.rooms && writing.periods.includes(p);
  const isPe = (t: number, p: number) => t >= writing.rooms && t < writing.rooms + pe.classes && pe.periods.includes(p);
  // Deterministic "is there a class": a hash of (room, period) against busy_share.
  const busy = (t: number, p: number) => ((t * 7919 + p * 104729) % 1000) / 1000 < busy_share;

  return {
    devices, rooms, buses, periodAt,
    allCards: rooms.flatMap((r) => r.cards),
    roomState(room, minute) {
      const p = periodAt(minute);
      if (p < 0) return { inClass: false, lesson: 'none', students: 0 };
      if (room.gym) {
        const active = pe.classes > 0 && pe.periods.includes(p);
        return { inClass: active, lesson: active ? 'pe' : 'none', students: active ? pe.classes * s.students_per_class : 0 };
      }
      const t = room.teaching;
      if (t < 0) return { inClass: false, lesson: 'none', students: 0 };
      if (isPe(t, p)) return { inClass: false, lesson: 'pe', students: 0 };
      if (isWriting(t, p)) return { inClass: true, lesson: 'writing', students: s.students_per_class };
      return busy(t, p) ? { inClass: true, lesson: 'normal', students: s.students_per_class } : { inClass: false, lesson: 'none', students: 0 };
    },
  };
}
