import { Writable } from 'node:stream';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTemplates, runTemplatesCheckCli } from './check.js';
import { defaultTemplatesDir } from './load.js';

function sink(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({ write(chunk: Buffer, _enc, cb) { text += chunk.toString(); cb(); } });
  return { out, text: () => text };
}

describe('templates check', () => {
  it('reports all 34 catalog templates valid: mqtt 20, modbus 10, serial 4', async () => {
    expect(await checkTemplates()).toEqual({ templates: 34, valid: 34, invalid: [], transports: { mqtt: 20, modbus: 10, serial: 4 } });
  });

  it('--json prints the contract JSON object and exits 0', async () => {
    const s = sink();
    expect(await runTemplatesCheckCli(['--json'], s.out)).toBe(0);
    expect(JSON.parse(s.text())).toEqual({ templates: 34, valid: 34, invalid: [], transports: { mqtt: 20, modbus: 10, serial: 4 } });
  });

  it('names the broken template, file, key path and failing sample; exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tpl-check-'));
    try {
      await cp(join(defaultTemplatesDir(), 'occupancy-sensor'), join(dir, 'occupancy-sensor'), { recursive: true });
      await cp(join(defaultTemplatesDir(), 'noise-meter'), join(dir, 'noise-meter'), { recursive: true });
      const file = join(dir, 'occupancy-sensor', 'template.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('max: 200', 'max: 20'));
      const report = await checkTemplates(dir);
      expect(report.templates).toBe(2);
      expect(report.valid).toBe(1);
      expect(report.transports).toEqual({ mqtt: 0, modbus: 0, serial: 1 });
      expect(report.invalid).toHaveLength(1);
      expect(report.invalid[0]?.id).toBe('occupancy-sensor');
      expect(report.invalid[0]?.problems).toEqual([
        `${join(dir, 'occupancy-sensor', 'samples.yaml')}: good[0] (catalog example): expected readings, got rejection out_of_range: people_count (count): 27 is outside 0…20`,
        `${join(dir, 'occupancy-sensor', 'samples.yaml')}: bad[0] (more than 200 people): expected out_of_range with a reason containing "people_count (count): 250 is outside 0…200", got out_of_range: people_count (count): 250 is outside 0…20`,
      ]);
      const s = sink();
      expect(await runTemplatesCheckCli(['--dir', dir], s.out)).toBe(1);
      expect(s.text()).toContain('2 templates, 1 valid (mqtt 0, modbus 0, serial 1)');
      expect(s.text()).toContain('✗ occupancy-sensor');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
