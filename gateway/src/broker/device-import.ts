/**
 * Importing a school's device list (`POST /api/devices/import`, `campus-gateway
 * devices import`): check every row first, then work out what changes. Nothing is
 * applied here: the caller persists and applies the plan only when no row was refused.
 *
 * Re-importing the same file changes nothing: a device keeps its secret unless the
 * row gives one, and a given secret that the stored hash already verifies is no change.
 *
 * Secrets: a device without one gets 24 random bytes (192 bits, base64url). Its
 * hash uses scrypt N=256 instead of the default 16384: scrypt's cost slows down
 * guessing a *chosen* password, and nobody guesses 2^192; at ~1 ms per hash,
 * 2,000 devices import in seconds and log in again just as fast after a restart.
 * A secret given in the file may be a chosen one, so it gets the default cost.
 * Problems name the row, never a secret or a person, nor a device id (a pen's id is
 * a student's).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { DeviceConfig } from '../config/schema.js';
import { hashSecret, SCRYPT_DEFAULTS, verifySecret } from './secrets.js';
import { MAX_IMPORT_ROWS, type ImportRow, type ParsedRows } from './device-csv.js';

/** scrypt cost of generated 192-bit secrets (see above). */
export const GENERATED_SECRET_COST = { N: 256, r: 8, p: 1 } as const;
export const MIN_SECRET_CHARS = 16;
const MAX_SECRET_CHARS = 256;
const MAX_PLACE_CHARS = 128;
const MAX_PERSON_CHARS = 256;
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TEMPLATE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A random device secret: 24 bytes base64url, starting with a letter or digit (a leading `-` would be a spreadsheet formula). */
export function generateDeviceSecret(): string {
  for (;;) {
    const s = randomBytes(24).toString('base64url');
    if (/^[A-Za-z0-9]/.test(s)) return s;
  }
}

export interface ImportChecks {
  templateKnown(template: string): boolean;
  /** Whether the template binds a device to one student (a field of privacy class `id`); unchecked when absent. */
  templatePersonal?(template: string): boolean;
  /** An id that is not a device's (an internal MQTT user). */
  reservedId?(id: string): boolean;
}

function checkText(where: string, name: string, value: string | undefined, max: number, out: string[]): void {
  if (value === undefined) return;
  if (value.length > max) out.push(`${where}: ${name} longer than ${max} characters`);
  else if (CONTROL.test(value)) out.push(`${where}: ${name} has a line break or control character`);
}

/** Every problem of every row (empty when all are good). */
export function checkImportRows(rows: readonly ImportRow[], checks: ImportChecks): string[] {
  const problems: string[] = [];
  const firstSeen = new Map<string, string>();
  for (const r of rows) {
    const p: string[] = [];
    if (!DEVICE_ID.test(r.id)) p.push(`${r.where}: bad id (letters, digits, . _ - and at most 128, starting with a letter or digit)`);
    else if (firstSeen.has(r.id)) p.push(`${r.where}: duplicate id (also on ${firstSeen.get(r.id)})`);
    else if (checks.reservedId?.(r.id)) p.push(`${r.where}: id is the username of an internal MQTT user`);
    if (DEVICE_ID.test(r.id) && !firstSeen.has(r.id)) firstSeen.set(r.id, r.where);
    if (!TEMPLATE_ID.test(r.template)) p.push(`${r.where}: template ${r.template === '' ? 'is empty' : 'is not a kebab-case template id'}`);
    else if (!checks.templateKnown(r.template)) p.push(`${r.where}: unknown template "${r.template}"`);
    else if (r.person && checks.templatePersonal && !checks.templatePersonal(r.template)) {
      p.push(`${r.where}: a person is bound only to a student's device (pen, wristband, clicker, card), not to a ${r.template}`);
    }
    checkText(r.where, 'building', r.building, MAX_PLACE_CHARS, p);
    checkText(r.where, 'room', r.room, MAX_PLACE_CHARS, p);
    checkText(r.where, 'person', r.person, MAX_PERSON_CHARS, p);
    if (r.secret) {
      if (r.secret.length < MIN_SECRET_CHARS) p.push(`${r.where}: secret shorter than ${MIN_SECRET_CHARS} characters (leave the cell empty to have one made)`);
      else checkText(r.where, 'secret', r.secret, MAX_SECRET_CHARS, p);
    }
    problems.push(...p);
  }
  return problems;
}

const jsonText = z.string().max(4_096).optional();
const jsonBody = z.strictObject({
  devices: z.array(z.strictObject({ id: z.string().max(256), template: z.string().max(256), building: jsonText, room: jsonText, person: jsonText, secret: jsonText }))
    .min(1, 'lists no device').max(MAX_IMPORT_ROWS, `at most ${MAX_IMPORT_ROWS} devices in one import`),
});

/** `{ "devices": [{ id, template, building?, room?, person?, secret? }] }`: a key left out leaves the value as it is, "" clears it. */
export function parseDevicesJson(body: unknown): ParsedRows {
  const parsed = jsonBody.safeParse(body);
  if (!parsed.success) {
    // zod's messages do not quote the value; the path names the row (0-based in JSON, 1-based here)
    return { ok: false, problems: parsed.error.issues.map((i) => {
      const [, index, ...rest] = i.path;
      const where = typeof index === 'number' ? `row ${index + 1}${rest.length ? ` ${rest.map(String).join('.')}` : ''}` : i.path.map(String).join('.') || '(body)';
      return `${where}: ${i.message}`;
    }) };
  }
  return { ok: true, rows: parsed.data.devices.map((d, i) => ({ where: `row ${i + 1}`, ...d })) };
}

/** A device as the gateway keeps it: a config `devices` entry. */
export type ProvisionedDevice = DeviceConfig;

export interface ImportPlan {
  /** The devices that are new or change, as they will be kept. */
  changes: ProvisionedDevice[];
  added: number;
  updated: number;
  unchanged: number;
  /** Secrets made for devices that had none: shown once, never stored in clear. */
  secrets: Array<{ id: string; secret: string }>;
}

export interface PlanDeps {
  hash?(secret: string, params: { N: number; r: number; p: number }): Promise<string>;
  verify?(secret: string, hash: string): Promise<boolean>;
  generate?(): string;
  /** scrypt runs at a time (libuv has 4 threads; MQTT logins need some). Default 2. */
  concurrency?: number;
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const same = (a: ProvisionedDevice, b: ProvisionedDevice) => a.template === b.template && a.secretHash === b.secretHash
  && a.building === b.building && a.room === b.room && a.person === b.person;

/** Works out the changes of checked rows against the current devices, hashing the secrets that need it. */
export async function planImport(rows: readonly ImportRow[], current: (id: string) => ProvisionedDevice | undefined, deps: PlanDeps = {}): Promise<ImportPlan> {
  const hash = deps.hash ?? hashSecret;
  const verify = deps.verify ?? verifySecret;
  const generate = deps.generate ?? generateDeviceSecret;
  const plan: ImportPlan = { changes: [], added: 0, updated: 0, unchanged: 0, secrets: [] };
  const keep = (given: string | undefined, now: string | undefined) => (given === undefined ? now : given === '' ? undefined : given);
  const wanted = new Array<ProvisionedDevice>(rows.length);
  await eachLimited(rows.map((r, i) => [r, i] as const), deps.concurrency ?? 2, async ([r, i]) => {
    const cur = current(r.id);
    let secretHash = cur?.secretHash;
    if (r.secret) {
      if (!(secretHash !== undefined && (await verify(r.secret, secretHash)))) secretHash = await hash(r.secret, SCRYPT_DEFAULTS);
    } else if (secretHash === undefined) {
      const secret = generate();
      secretHash = await hash(secret, GENERATED_SECRET_COST);
      plan.secrets.push({ id: r.id, secret });
    }
    wanted[i] = {
      id: r.id, template: r.template, secretHash,
      building: keep(r.building, cur?.building), room: keep(r.room, cur?.room), person: keep(r.person, cur?.person),
    };
  });
  for (const d of wanted) {
    const cur = current(d.id);
    if (cur && same(cur, d)) plan.unchanged += 1;
    else {
      plan.changes.push(d);
      if (cur) plan.updated += 1;
      else plan.added += 1;
    }
  }
  // in file order, whatever order the hashes finished in
  const order = new Map(rows.map((r, i) => [r.id, i]));
  plan.secrets.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return plan;
}
