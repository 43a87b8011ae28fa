/**
 * One composition root: every component the gateway service runs is made in gateway.ts (or
 * wiring.ts, which builds one component each from a config section) and handed, ready, to
 * whoever uses it; only the CLI and the config resolvers read the environment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(relative(src, p));
  }
  return out.sort();
}

/** Files calling `factory(` outside a comment line. */
function callers(factory: string): string[] {
  const call = new RegExp(`(?<![\\w.])${factory}\\(`);
  return sources(src).filter((f) => readFileSync(join(src, f), 'utf8').split('\n')
    .some((line) => !/^\s*(\*|\/\/)/.test(line) && !/export (async )?function /.test(line) && call.test(line)));
}

describe('the composition root', () => {
  it.each([
    'createPseudonymizer', 'createSummaries', 'createUplink', 'createSessionManager', 'createRosterStore',
    'createGatewayMetrics', 'createPipeline', 'createStateFanout', 'createOutboundNames', 'createUplinkGuard',
  ])('%s is called by gateway.ts only', (factory) => {
    expect(callers(factory)).toEqual(['gateway.ts']);
  });

  it('adapters and stores are made by wiring.ts for gateway.ts, and no route plugin is registered outside api/server.ts', () => {
    for (const f of ['createModbusAdapter', 'createSerialAdapter', 'createEmbeddedStore', 'createInfluxStore', 'createWalStore']) expect(callers(f), f).toEqual(['wiring.ts']);
    const registering = sources(src).filter((f) => /\.register\((\w+Routes|commandRoutes\()/.test(readFileSync(join(src, f), 'utf8')));
    expect(registering.filter((f) => !f.startsWith('hub/'))).toEqual(['api/server.ts']);
  });

  it('reads the environment only in the CLI and the config resolvers', () => {
    const readers = sources(src).filter((f) => /process\.env\b/.test(readFileSync(join(src, f), 'utf8')));
    expect(readers).toEqual(['broker/devices-cli.ts', 'cli.ts', 'config/load.ts', 'hub/config.ts']);
  });
});
