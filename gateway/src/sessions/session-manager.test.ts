import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { Reading } from '../core/reading.js';
import type { TemplateLike } from '../privacy/template-like.js';
import { createSessionManager, type SessionManagerDeps } from './session-manager.js';
import type { RosterLookup } from './roster.js';
import type { CreateSession } from './schema.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const H = 3_600_000;
const pseudonym = (v: string) => `p-${Buffer.from(v).toString('hex').padEnd(24, '0').slice(0, 24)}`;

const TEMPLATES: Record<string, TemplateLike> = {
  'student-wristband': { id: 'student-wristband', fields: [{ name: 'band', type: 'string', privacy: 'id', role: 'state' }, { name: 'heart_rate_bpm', type: 'integer', privacy: 'health', role: 'gauge' }] },
  'smart-pen': { id: 'smart-pen', fields: [{ name: 'pen', type: 'string', privacy: 'id', role: 'state' }, { name: 'x_mm', type: 'number', role: 'gauge' }] },
  'response-clicker': { id: 'response-clicker', fields: [{ name: 'clicker_id', type: 'string', privacy: 'id', role: 'event' }, { name: 'choice', type: 'enum', role: 'event' }] },
  'wristband-base': { id: 'wristband-base', fields: [{ name: 'connected_bands', type: 'integer', role: 'gauge' }] },
};
const DEVICES: Record<string, { template: string; provisioned: boolean; person?: string }> = {
  'W-1': { template: 'student-wristband', provisioned: true, person: 'S-1' },
  'W-2': { template: 'student-wristband', provisioned: true, person: 'S-2' },
  'P-1': { template: 'smart-pen', provisioned: true, person: 'S-1' },
  // Seen on the broker only; a base station; a relay registered under the band's template, bound to nobody.
  B: { template: 'response-clicker', provisioned: false, person: 'S-3' },
  'band-base-1': { template: 'wristband-base', provisioned: true },
  'band-base-2': { template: 'student-wristband', provisioned: true },
};
const lookup: RosterLookup = { device: (id) => DEVICES[id], template: (id) => TEMPLATES[id] };

const band = (id: string, ts: number, hr: number): Reading => ({
  template: 'student-wristband', device: 'band-base-1', ts, fields: { band: pseudonym(id), heart_rate_bpm: hr }, tags: { room: '101', person: pseudonym('S-1') },
});
const lesson = (over: Partial<CreateSession> = {}): CreateSession => ({
  room: '101', class: '7B', subject: 'PE', start: new Date(T0).toISOString(), end: new Date(T0 + H).toISOString(), roster: [{ device: 'W-1', student: 'Ann' }], ...over,
});
const manager = (now: () => number, extra: Partial<SessionManagerDeps> = {}, file?: string) =>
  createSessionManager(file ? { file } : {}, { log: silentLogger(), pseudonym, lookup, now, ...extra });

describe('session manager', () => {
  it('captures a roster band by its identifier field, only within the session, until stopped, without the pseudonyms', async () => {
    let now = T0;
    const m = manager(() => now);
    await m.start();
    const view = m.create(lesson(), 'ms-li');
    expect(view.roster).toEqual([{ device: 'W-1', student: 'Ann', template: 'student-wristband' }]);
    m.readings([band('W-1', T0 - 1000, 90), band('W-1', T0 + 1000, 120), band('W-2', T0 + 1000, 100)]);
    now = T0 + 60_000;
    const s = m.get(view.id)!;
    expect(m.live(s)).toMatchObject({ status: 'live', captured: 1, connected: 1, live: [{ device: 'W-1', connected: true, readings: 1 }] });
    expect(m.captured(s)[0]!.reading).toMatchObject({ fields: { heart_rate_bpm: 120 }, tags: { room: '101' } });
    expect(m.captured(s)[0]!.reading.fields).not.toHaveProperty('band');
    expect(m.captured(s)[0]!.reading.tags).not.toHaveProperty('person');
    expect(m.rosterDevices('ms-li')).toEqual(new Map([['W-1', { from: T0, to: T0 + H }]]));
    expect(m.rosterDevices('mr-wu').size).toBe(0);
    m.stopSession(s);
    m.readings([band('W-1', T0 + 61_000, 130)]);
    expect(m.live(s)).toMatchObject({ status: 'stopped', captured: 1 });
    expect(m.rosterDevices('ms-li').size).toBe(0);
    expect(m.list('mr-wu')).toEqual([]);
    expect(m.list('ms-li')).toHaveLength(1);
  });

  it('matches nothing but the identifier field of the device\'s own template', async () => {
    const m = manager(() => T0);
    await m.start();
    const s = m.get(m.create(lesson({ roster: [{ device: 'P-1', student: 'Ann' }] }), 't').id)!;
    m.readings([
      // The relay's device id, a tag and a string field carrying the roster id, another template's id field: none is the pen's.
      { template: 'smart-pen', device: 'P-1', ts: T0 + 1, fields: { pen: pseudonym('P-9'), x_mm: 1 }, tags: { page: 'P-1' } },
      { template: 'response-clicker', device: 'clicker-base', ts: T0 + 1, fields: { clicker_id: pseudonym('P-1'), choice: 'P-1' }, tags: {} },
      { template: 'smart-pen', device: 'pen-rx', ts: T0 + 2, fields: { pen: pseudonym('P-1'), x_mm: 2 }, tags: {} },
    ]);
    expect(m.captured(s).map((c) => c.reading.fields)).toEqual([{ x_mm: 2 }]);
  });

  it('refuses every roster line that is not a registered personal device, naming the lines 1-based', async () => {
    const m = manager(() => T0);
    await m.start();
    const roster = ['GYM', 'W-1', 'B', 'band-base-1', 'band-base-2', 'p-00'].map((device) => ({ device, student: 'X' }));
    expect(() => m.create(lesson({ roster }), 't')).toThrow(expect.objectContaining({
      code: 'GW_ERR_ROSTER',
      message: expect.stringMatching(/^roster line 1: not a device the school registered.*; roster line 3: .*; roster line 4: .*; roster line 5: .*; roster line 6: [^;]*$/),
    }));
    // No roster line is accepted without the registry and templates to check it against.
    const blind = createSessionManager({}, { log: silentLogger(), now: () => T0 });
    expect(() => blind.create(lesson(), 't')).toThrow(/roster line 1: not a device/);
    expect(m.list()).toEqual([]);
  });

  it('keeps a device on one session at a time', async () => {
    const m = manager(() => T0);
    await m.start();
    m.create(lesson({ roster: [{ device: 'W-2', student: 'Bo' }] }), 'mr-wu');
    const roster = [{ device: 'W-1', student: 'Ann' }, { device: 'W-2', student: 'Bo' }];
    expect(() => m.create(lesson({ end: new Date(T0 + 30 * 60_000).toISOString(), roster }), 'ms-li')).toThrow(/^roster line 2: the device is on another class session's roster at that time$/);
    expect(m.create(lesson({ start: new Date(T0 + H).toISOString(), end: new Date(T0 + 2 * H).toISOString(), roster }), 'ms-li').status).toBe('scheduled');
  });

  it('holds a session to now or later (5 min of clock skew) and to at most 4 h', async () => {
    const m = manager(() => T0);
    await m.start();
    const at = (ms: number) => new Date(ms).toISOString();
    expect(() => m.create(lesson({ start: at(T0 - 10 * 60_000) }), 't')).toThrow(expect.objectContaining({ code: 'GW_ERR_SESSION_TIME', message: expect.stringMatching(/start lies in the past/) }));
    expect(() => m.create(lesson({ end: at(T0 + 10 * 365 * 86_400_000) }), 't')).toThrow(/at most 4 h/);
    expect(() => m.create(lesson({ start: at(T0 + 30 * 86_400_000), end: at(T0 + 30 * 86_400_000 + H) }), 't')).toThrow(/more than 7 days ahead/);
    expect(() => m.create(lesson({ start: undefined, end: at(T0 - 1) }), 't')).toThrow(/end must be after start/);
    // A start a little behind (a browser clock) begins now: nothing from before the request.
    const v = m.create(lesson({ start: at(T0 - 2 * 60_000), end: at(T0 + 4 * H - 2 * 60_000) }), 't');
    expect(v.start).toBe(at(T0));
    expect(m.create(lesson({ start: undefined, end: undefined, roster: [{ device: 'P-1', student: 'A' }] }), 't').end).toBe(at(T0 + 45 * 60_000));
  });

  it('persists sessions and their captured readings across a restart, and forgets them after keepDays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-'));
    const file = join(dir, 'sessions.json');
    const a = manager(() => T0, {}, file);
    await a.start();
    const v = a.create({ room: '102', class: '8A', subject: 'Maths', roster: [{ device: 'P-1', student: 'Bo' }] }, 't');
    a.readings([{ template: 'smart-pen', device: 'rx', ts: T0 + 5, fields: { pen: pseudonym('P-1'), x_mm: 1 }, tags: {} }]);
    await a.stop();
    expect(readFileSync(file, 'utf8')).not.toContain('x_mm');
    expect(readFileSync(join(dir, 'sessions', `${v.id}.ndjson`), 'utf8')).not.toContain(pseudonym('P-1'));
    expect(statSync(join(dir, 'sessions', `${v.id}.ndjson`)).mode & 0o777).toBe(0o600);
    const b = manager(() => T0 + 60_000, {}, file);
    await b.start();
    const s = b.get(v.id)!;
    expect(s).toMatchObject({ room: '102', roster: [{ device: 'P-1', student: 'Bo', template: 'smart-pen' }] });
    expect(b.captured(s)).toEqual([{ student: 'Bo', key: 'P-1', reading: expect.objectContaining({ ts: T0 + 5, fields: { x_mm: 1 } }) }]);
    await b.stop();
    const later = createSessionManager({ file, keepDays: 30 }, { log: silentLogger(), now: () => T0 + 31 * 86_400_000 });
    await later.start();
    expect(later.get(v.id)).toBeUndefined();
    expect(existsSync(join(dir, 'sessions', `${v.id}.ndjson`))).toBe(false);
  });

  it('holds a session saved by an older version to the rules: roster rebound, span cut to 4 h', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-'));
    const file = join(dir, 'sessions.json');
    const old = { id: '6f1c1a4e-1b1a-4a59-9b7e-0a1d5a0c2b11', owner: 't', room: 'GYM', class: '7B', subject: 'PE', startMs: T0, endMs: T0 + 10 * 365 * 86_400_000, stoppedAtMs: null, roster: [{ device: 'GYM', student: 'All' }, { device: 'W-1', student: 'Ann' }] };
    writeFileSync(file, JSON.stringify([old]));
    const m = manager(() => T0 + 60_000, {}, file);
    await m.start();
    const s = m.get(old.id)!;
    expect(m.view(s)).toMatchObject({ end: new Date(T0 + 4 * H).toISOString(), roster: [{ device: 'W-1', student: 'Ann', template: 'student-wristband' }] });
    m.readings([{ ...band('W-1', T0 + 5 * H, 100) }, { ...band('W-2', T0 + 1000, 100), tags: { room: 'GYM' } }]);
    expect(m.captured(s)).toEqual([]);
  });

  it('calls a device connected only while its data is younger than its template\'s report interval, whatever the registry says (was: online for 15 min)', async () => {
    let now = T0;
    const templates: Record<string, TemplateLike> = { ...TEMPLATES, 'student-wristband': { ...TEMPLATES['student-wristband']!, offlineAfterMs: 600_000, reportIntervalMs: 15_000 } };
    const m = manager(() => now, { lookup: { ...lookup, template: (id) => templates[id] }, deviceStatus: () => 'online' });
    await m.start();
    const s = m.get(m.create(lesson(), 'ms-li').id)!;
    expect(m.live(s).live[0]).toMatchObject({ connected: false, last_seen: null });
    m.readings([band('W-1', T0 + 1000, 120)]);
    now = T0 + 15_000;
    expect(m.live(s).live[0]!.connected).toBe(true);
    now = T0 + 2 * 60_000;
    // "connected · 2 min ago" was the bug: the registry keeps the band online for its 10-min offline rule
    expect(m.live(s)).toMatchObject({ connected: 0, live: [{ connected: false, last_seen: new Date(T0).toISOString() }] });
  });

  it('hands the session\'s subscribers what the live views draw (heart rates with their zone), per batch, until unsubscribed', async () => {
    const templates: Record<string, TemplateLike> = { ...TEMPLATES, 'student-wristband': { ...TEMPLATES['student-wristband']!, behaviour: { heartRate: { field: 'heart_rate_bpm' } } } };
    const m = manager(() => T0 + 1000, { lookup: { ...lookup, template: (id) => templates[id] } });
    await m.start();
    const s = m.get(m.create(lesson({ start: new Date(T0 + 1000).toISOString() }), 'ms-li').id)!;
    const got: unknown[] = [];
    const off = m.subscribe(s.id, (e) => got.push(e.hearts.map((h) => [h.device, h.bpm, h.zone])));
    m.readings([band('W-1', T0 + 1000, 120), band('W-2', T0 + 1000, 100), band('W-1', T0 + 2000, 150)]);
    off();
    m.readings([band('W-1', T0 + 3000, 90)]);
    expect(got).toEqual([[['W-1', 120, 3], ['W-1', 150, 4]]]);
    expect(m.liveSnapshot(s).hearts).toEqual([{ device: 'W-1', ts: T0 + 3000, bpm: 90, zone: 1, worn: true }]);
  });

  it('keeps every reading on disk past the memory limit: counted, in the per-student rows and read back in full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-limit-'));
    const m = createSessionManager({ file: join(dir, 'sessions.json'), captureLimit: 2 }, { log: silentLogger(), pseudonym, lookup, now: () => T0 + 1000 });
    await m.start();
    const s = m.get(m.create(lesson({ start: new Date(T0 + 1000).toISOString() }), 'ms-li').id)!;
    m.readings([band('W-1', T0 + 1000, 120), band('W-1', T0 + 2000, 121), band('W-1', T0 + 3000, 122)]);
    expect(m.captured(s)).toHaveLength(2);
    expect(m.total(s)).toBe(3);
    expect(m.live(s)).toMatchObject({ captured: 3, dropped_readings: 0, live: [{ readings: 3 }] });
    const all: number[] = [];
    await m.eachCaptured(s, (c) => all.push(c.reading.fields.heart_rate_bpm as number));
    expect(all).toEqual([120, 121, 122]);
    await m.stop();
  });
});
