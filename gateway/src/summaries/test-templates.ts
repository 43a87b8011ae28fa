/**
 * Template shapes of the device catalog (docs/devices) used by the summaries' unit tests and by the
 * uplink integration tests (only the parts summaries read). The real templates
 * live in device-templates/; these mirror their field names, units, roles,
 * privacy classes and alarm declarations.
 */
import type { TemplateLike } from '../privacy/template-like.js';

const t = (id: string, category: string, fields: TemplateLike['fields'], extra: Partial<TemplateLike> = {}): TemplateLike => ({ id, category, fields, ...extra });

export const TEST_TEMPLATES = {
  meter: t('energy-meter-1p', 'energy', [
    { name: 'active_power_w', type: 'number', unit: 'W', role: 'gauge' },
    { name: 'energy_import_kwh', type: 'number', unit: 'kWh', role: 'counter' },
  ]),
  water: t('water-meter', 'energy', [
    { name: 'total_m3', type: 'number', unit: 'm3', role: 'counter' },
    { name: 'leak_alarm', type: 'boolean', role: 'state', alarm: true },
    { name: 'low_battery', type: 'boolean', role: 'state' },
  ]),
  inverter: t('solar-inverter', 'energy', [
    { name: 'ac_power_w', type: 'number', unit: 'W', role: 'gauge' },
    { name: 'total_yield_kwh', type: 'number', unit: 'kWh', role: 'counter' },
  ]),
  light: t('classroom-light', 'lighting', [
    { name: 'on', type: 'boolean', role: 'state' },
    { name: 'power_w', type: 'number', unit: 'W', role: 'gauge' },
  ]),
  occupancy: t('occupancy-sensor', 'environment', [
    { name: 'occupied', type: 'boolean', role: 'state' },
    { name: 'people_count', type: 'integer', role: 'gauge' },
  ]),
  air: t('air-quality-monitor', 'environment', [
    { name: 'co2_ppm', type: 'number', unit: 'ppm', role: 'gauge' },
    { name: 'pm25_ugm3', type: 'number', unit: 'ug/m3', role: 'gauge' },
    { name: 'temperature_c', type: 'number', unit: 'C', role: 'gauge' },
  ]),
  board: t('smart-board', 'teaching', [
    { name: 'power', type: 'enum', values: ['on', 'standby', 'off'], role: 'state' },
    { name: 'touch_events', type: 'integer', role: 'gauge' },
  ]),
  recorder: t('recording-system', 'teaching', [{ name: 'recording', type: 'boolean', role: 'state' }]),
  band: t('student-wristband', 'health', [
    { name: 'band', type: 'string', role: 'state', privacy: 'id' },
    { name: 'heart_rate_bpm', type: 'integer', unit: 'bpm', role: 'gauge', privacy: 'health' },
    { name: 'spo2_pct', type: 'integer', unit: '%', role: 'gauge', privacy: 'health' },
    { name: 'battery_pct', type: 'integer', unit: '%', role: 'gauge' },
  ]),
  pen: t('smart-pen', 'teaching', [
    { name: 'pen', type: 'string', role: 'state', privacy: 'id' },
    { name: 'x_mm', type: 'number', unit: 'mm', role: 'gauge' },
    { name: 'y_mm', type: 'number', unit: 'mm', role: 'gauge' },
    { name: 'pressure', type: 'integer', role: 'gauge' },
  ], { tags: ['page', 'stroke'] }),
  sign: t('class-sign', 'teaching', [
    { name: 'screen_on', type: 'boolean', role: 'state' },
    { name: 'card', type: 'string', role: 'event', privacy: 'id' },
  ]),
  clicker: t('response-clicker', 'teaching', [
    { name: 'clicker_id', type: 'string', role: 'event', privacy: 'id' },
    { name: 'choice', type: 'enum', values: ['A', 'B', 'C', 'D', 'E', 'F'], role: 'event' },
  ]),
  smoke: t('smoke-detector', 'safety', [
    { name: 'alarm', type: 'boolean', role: 'state', alarm: true },
    { name: 'battery_pct', type: 'integer', unit: '%', role: 'gauge' },
  ]),
  door: t('door-access', 'safety', [
    { name: 'door', type: 'enum', values: ['open', 'closed', 'forced'], role: 'state', alarm: ['forced'] },
    { name: 'card', type: 'string', role: 'event', privacy: 'id' },
  ]),
} satisfies Record<string, TemplateLike>;
