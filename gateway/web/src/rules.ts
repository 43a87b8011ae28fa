/**
 * What the facilities view flags, from a device's latest normalized fields
 * (the device catalog (docs/devices) names): alarms, what is switched on, and whether a room
 * is known to be empty (an occupancy sensor or analytics camera says so).
 */
import type { Device, FieldValue } from './api.js';
import { fieldLabel, t, type Labels } from './i18n/index.js';

type Fields = Record<string, FieldValue>;

const ALARM_FLAGS = ['alarm', 'leak', 'leak_alarm', 'tamper', 'probe_fault', 'low_velocity', 'sash_high', 'fan_failure', 'reverse_flow'];

/** A template's alarm declarations (`alarm: true` on a boolean field, or the alarm values of an enum). */
export interface AlarmFields extends Labels { fields: Array<{ name: string; zh?: string; alarm: boolean | string[] | null }> }

/** Reasons a device is in alarm now (empty when it is not), in the UI's language: the template's declared alarms, then common flags. */
export function alarmsOf(d: Device, template?: AlarmFields): string[] {
  const f: Fields = d.latest?.fields ?? {};
  const out: string[] = [];
  const label = (name: string) => fieldLabel(template, name, (n) => n.replaceAll('_', ' '));
  const doorForced = t('alarm.doorForced');
  for (const def of template?.fields ?? []) {
    const v = f[def.name];
    if (def.alarm === true && v === true) out.push(label(def.name));
    else if (Array.isArray(def.alarm) && typeof v === 'string' && def.alarm.includes(v)) out.push(def.name === 'door' && v === 'forced' ? doorForced : `${label(def.name)} ${v}`);
  }
  for (const k of ALARM_FLAGS) if (f[k] === true && !out.includes(label(k))) out.push(label(k));
  if (f.door === 'forced' && !out.includes(doorForced)) out.push(doorForced);
  if (typeof f.fault_code === 'number' && f.fault_code > 0) out.push(t('alarm.fault', { code: f.fault_code }));
  if (f.state === 'fault') out.push(t('alarm.inverterFault'));
  if (typeof f.co2_ppm === 'number' && f.co2_ppm > 1500) out.push(t('alarm.co2', { ppm: f.co2_ppm }));
  return out;
}

/** True when the device is drawing power / running: lights, boards, AC, projector, sockets, recorders. */
export function isOn(d: Device): boolean {
  const f: Fields = d.latest?.fields ?? {};
  if (d.status !== 'online') return false;
  if (f.on === true || f.power === 'on' || f.recording === true || f.playing === true || f.fan_on === true) return true;
  return Object.entries(f).some(([k, v]) => /^ch\d+_on$/.test(k) && v === true);
}

/** True / false when a sensor in the room says whether people are there; undefined when nobody knows. */
export function roomOccupied(devices: Device[]): boolean | undefined {
  let known: boolean | undefined;
  for (const d of devices) {
    const f: Fields = d.latest?.fields ?? {};
    if (typeof f.occupied === 'boolean') known = (known ?? false) || f.occupied;
    if (typeof f.people_count === 'number') known = (known ?? false) || f.people_count > 0;
    if (typeof f.students_present === 'number') known = (known ?? false) || f.students_present > 0;
  }
  return known;
}

export function batteryOf(d: Device): number | undefined {
  const b = d.latest?.fields.battery_pct;
  return typeof b === 'number' ? b : undefined;
}

/** The few fields worth showing on a tile, by template family. */
const HEADLINE = ['power_w', 'active_power_kw', 'co2_ppm', 'temperature_c', 'room_temp_c', 'pm25_ugm3', 'brightness_pct', 'desk_illuminance_lux',
  'power', 'active_app', 'people_count', 'students_present', 'laeq_db', 'heart_rate_bpm', 'energy_import_kwh', 'flow_m3h', 'pv_power_w',
  'face_velocity_mps', 'door', 'connected_pens', 'connected_bands', 'water_temp_c', 'volume_pct', 'disk_free_gb', 'smoke_density_dbm'];

export function headline(d: Device, max = 3): Array<[string, FieldValue]> {
  const f: Fields = d.latest?.fields ?? {};
  return HEADLINE.filter((k) => k in f).slice(0, max).map((k) => [k, f[k]!]);
}
