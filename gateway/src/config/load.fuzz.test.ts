/**
 * Property fuzzing of the config parser (issue #10): any YAML-ish value, any
 * mutation of a valid config, any text as a config file and any environment
 * override is either a parsed config or a ConfigError naming its problems —
 * never another exception.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from './load.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const T = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALID = {
  site: { id: 'school-1', name: 'Fuzz School' },
  broker: { port: 1883, host: '127.0.0.1', auth: { enabled: false }, limits: { maxPacketBytes: 4096 } },
  devices: [{ id: 'light-1', template: 'classroom-light', room: '101' }],
  adapters: {
    modbus: [{ transport: 'tcp', host: '127.0.0.1', port: 5020, unitId: 1, template: 'energy-meter-3p', deviceId: 'em-1' }],
    serial: [{ path: '/dev/ttyUSB0', template: 'noise-meter', deviceId: 'noise-1' }],
  },
  store: { kind: 'influx', url: 'http://127.0.0.1:8086', database: 'campus' },
  http: { port: 8080 },
};

/** parseConfig's whole contract: a config, or a ConfigError with at least one problem. */
function parsedOrConfigError(run: () => unknown): void {
  try {
    expect(typeof run()).toBe('object');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new Error(`not a ConfigError: ${(err as Error)?.stack ?? String(err)}`);
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) expect(typeof p).toBe('string');
  }
}

const leaf = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 10 }), fc.constant(null),
  fc.constantFrom('influx', 'embedded', 'tcp', 'rtu', 0, -1, 65536, Infinity, '__proto__', 'constructor'), fc.array(fc.integer(), { maxLength: 3 }));

function mutate(v: unknown, rnd: () => number, val: () => unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (rnd() < 0.2 ? val() : mutate(x, rnd, val)));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = rnd();
      if (p < 0.1) continue;
      out[k] = p < 0.3 ? val() : mutate(x, rnd, val);
    }
    if (rnd() < 0.1) out[String(val())] = val();
    return out;
  }
  return v;
}

describe('config parser fuzzing', () => {
  it('the unmutated base config parses (so mutations start from a valid one)', () => {
    expect(parseConfig(VALID).site.id).toBe('school-1');
  });

  it('any JSON-like value: a config or a ConfigError', () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 3, withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withBigInt: true }), (raw) => {
      parsedOrConfigError(() => parseConfig(raw));
    }), { numRuns: RUNS });
  }, T);

  it('a valid config with keys removed, replaced and added, and env overrides', () => {
    const env = fc.record({
      GATEWAY_HTTP_PORT: fc.option(fc.oneof(fc.string({ maxLength: 6 }), fc.integer().map(String)), { nil: undefined }),
      GATEWAY_MQTT_PORT: fc.option(fc.oneof(fc.string({ maxLength: 6 }), fc.integer().map(String)), { nil: undefined }),
      GATEWAY_DATA_DIR: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })), fc.infiniteStream(leaf), env, (rs, vs, e) => {
      const raw = mutate(VALID, () => rs.next().value as number, () => vs.next().value);
      parsedOrConfigError(() => parseConfig(raw, '(fuzz)', e as NodeJS.ProcessEnv));
    }), { numRuns: RUNS * 2 });
  }, T);

  it('any text as a YAML config file', () => {
    const yamlish = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(fc.tuple(fc.constantFrom('site', 'broker', 'store', 'http', 'adapters', '  port', '  kind', '- id', '&a x', '*a', '!!binary', '? ', '<<'), fc.constantFrom(':', ': ', ' '), fc.string({ maxLength: 12 })), { maxLength: 8 })
        .map((lines) => lines.map(([k, s, v]) => `${k}${s}${v}`).join('\n')),
    );
    let n = 0;
    fc.assert(fc.property(yamlish, (text) => {
      const file = join(dir, `c${n++ % 8}.yaml`);
      writeFileSync(file, text);
      parsedOrConfigError(() => loadConfigFile(file, {}));
    }), { numRuns: RUNS });
  }, T);

  it('YAML aliases: a recursive alias and an alias bomb are refused as configs, not crashes', () => {
    const recursive = join(dir, 'recursive.yaml');
    writeFileSync(recursive, 'site: &s\n  id: x\n  name: y\n  self: *s\n');
    parsedOrConfigError(() => loadConfigFile(recursive, {}));
    const bomb = join(dir, 'bomb.yaml');
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    writeFileSync(bomb, `${levels.join('\n')}\n`);
    parsedOrConfigError(() => loadConfigFile(bomb, {}));
  }, T);
});
