import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultTemplatesDir } from './load.js';
import { decodeMqtt } from './mqtt-decode.js';
import { createTemplateCatalog, type TemplateCatalog } from './catalog.js';

const WAIT = { timeout: 15_000, interval: 50 };
let dir: string;
let catalog: TemplateCatalog | undefined;
const log = pino({ level: 'silent' });

async function copy(id: string): Promise<void> {
  await cp(join(defaultTemplatesDir(), id), join(dir, id), { recursive: true });
}
async function edit(id: string, from: string, to: string): Promise<void> {
  const file = join(dir, id, 'template.yaml');
  const text = await readFile(file, 'utf8');
  expect(text).toContain(from);
  await writeFile(file, text.replace(from, to));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tpl-reg-'));
  await copy('occupancy-sensor');
  await copy('smart-socket');
});
afterEach(async () => {
  await catalog?.stop();
  catalog = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('template catalog', () => {
  it('loads a directory and serves templates by id; a broken folder is kept in errors()', async () => {
    await copy('noise-meter');
    await edit('noise-meter', 'baudRate: 9600', 'baudRate: fast');
    catalog = createTemplateCatalog({ dir }, { log });
    await catalog.start();
    expect(catalog.list().map((t) => t.id)).toEqual(['occupancy-sensor', 'smart-socket']);
    expect(catalog.get('smart-socket')?.transport).toBe('mqtt');
    expect(catalog.get('noise-meter')).toBeUndefined();
    expect(catalog.errors()).toEqual([{ id: 'noise-meter', file: join(dir, 'noise-meter', 'template.yaml'), problems: [`${join(dir, 'noise-meter', 'template.yaml')}: serial.baudRate: Invalid input: expected number, received string`] }]);
  });

  it('hot-reloads an edit, refuses a broken edit while the previous version keeps serving, and picks up a new template', async () => {
    catalog = createTemplateCatalog({ dir, watch: true, debounceMs: 50 }, { log });
    const changes: string[][] = [];
    catalog.on('change', (ids) => changes.push(ids));
    await catalog.start();
    const ctx = { device: 'o1', channel: 'telemetry' as const, receivedAt: 1 };
    const decode = (count: number) => decodeMqtt(catalog?.get('occupancy-sensor') ?? (undefined as never), JSON.stringify({ occ: true, count }), ctx);
    expect(decode(150)).toMatchObject({ ok: true });

    // A good edit takes effect without a restart.
    await edit('occupancy-sensor', 'name: mmWave presence / people-count sensor', 'name: Presence sensor v2');
    await vi.waitFor(() => expect(catalog?.get('occupancy-sensor')?.name).toBe('Presence sensor v2'), WAIT);
    expect(changes).toContainEqual(['occupancy-sensor']);

    // A broken edit (its own samples now fail) is refused; the previous version keeps serving.
    await edit('occupancy-sensor', 'max: 200', 'max: 100');
    await vi.waitFor(() => expect(catalog?.errors().map((e) => e.id)).toEqual(['occupancy-sensor']), WAIT);
    expect(catalog.errors()[0]?.problems.join('\n')).toContain('people_count (count): 250 is outside 0…100');
    expect(catalog.get('occupancy-sensor')?.name).toBe('Presence sensor v2');
    expect(decode(150)).toMatchObject({ ok: true });

    // Fixing it (and changing the name) clears the error and serves the fixed version.
    await edit('occupancy-sensor', 'max: 100', 'max: 200');
    await edit('occupancy-sensor', 'name: Presence sensor v2', 'name: Presence sensor v3');
    await vi.waitFor(() => expect(catalog?.get('occupancy-sensor')?.name).toBe('Presence sensor v3'), WAIT);
    expect(catalog.errors()).toEqual([]);
    expect(decode(201)).toMatchObject({ ok: false, code: 'out_of_range' });

    // A new template folder is picked up.
    await copy('door-access');
    await vi.waitFor(() => expect(catalog?.get('door-access')?.transport).toBe('mqtt'), WAIT);
    expect(changes.flat()).toContain('door-access');
    expect(catalog.errors()).toEqual([]);
  }, 60_000);

  it('a removed folder stops serving its template', async () => {
    catalog = createTemplateCatalog({ dir, watch: true, debounceMs: 50 }, { log });
    await catalog.start();
    expect(catalog.get('smart-socket')).toBeDefined();
    await rm(join(dir, 'smart-socket'), { recursive: true, force: true });
    await vi.waitFor(() => expect(catalog?.get('smart-socket')).toBeUndefined(), WAIT);
    expect(catalog.list().map((t) => t.id)).toEqual(['occupancy-sensor']);
  }, 30_000);
});
