/**
 * `campus-gateway templates check [--json]`: validates every template and runs
 * its samples. The JSON shape is fixed by docs/interfaces.md.
 */
import { defaultTemplatesDir, loadAll } from './load.js';

export interface TemplatesReport {
  templates: number;
  valid: number;
  invalid: { id?: string; file: string; problems: string[] }[];
  transports: { mqtt: number; modbus: number; serial: number };
}

export async function checkTemplates(dir: string = defaultTemplatesDir()): Promise<TemplatesReport> {
  const { loaded, problems } = await loadAll(dir);
  const transports = { mqtt: 0, modbus: 0, serial: 0 };
  for (const l of loaded) transports[l.template.transport]++;
  return {
    templates: loaded.length + problems.length,
    valid: loaded.length,
    invalid: problems.map((p) => ({ ...(p.id === undefined ? {} : { id: p.id }), file: p.file, problems: p.problems })),
    transports,
  };
}

/** Prints a human report (or the JSON object with --json); exit code 0 when every template is valid. */
export async function runTemplatesCheckCli(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const json = args.includes('--json');
  const dirIdx = args.indexOf('--dir');
  const dir = dirIdx >= 0 ? args[dirIdx + 1] : undefined;
  const report = await checkTemplates(dir ?? defaultTemplatesDir());
  if (json) {
    out.write(`${JSON.stringify(report)}\n`);
  } else {
    const t = report.transports;
    out.write(`${report.templates} templates, ${report.valid} valid (mqtt ${t.mqtt}, modbus ${t.modbus}, serial ${t.serial})\n`);
    for (const bad of report.invalid) {
      out.write(`\n✗ ${bad.id ?? bad.file}\n`);
      for (const p of bad.problems) out.write(`  - ${p}\n`);
    }
    if (report.invalid.length === 0) out.write('all templates and their samples are valid\n');
  }
  return report.invalid.length === 0 && report.templates > 0 ? 0 : 1;
}
