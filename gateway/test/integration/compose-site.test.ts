// docker-compose.yml for a site (Docker does not run here): every bind-mounted
// path, env file, build context and Dockerfile COPY source exists; the gateway
// config it mounts validates; Grafana gets every variable its provisioning uses
// and the dashboards land where the provider looks; the systemd unit is complete.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { sha256Token } from '../../src/api/token-hash.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { checkStartable } from '../../src/config/secure-start.js';
import { repoRoot } from '../kit/index.js';

interface Service {
  build?: { context: string; dockerfile: string };
  image?: string;
  volumes?: string[];
  env_file?: string[];
  environment?: Record<string, string>;
  depends_on?: string[];
  ports?: string[];
}
interface Compose { services: Record<string, Service>; volumes?: Record<string, unknown> }

const compose = parseYaml(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as Compose;
const bind = (v: string) => {
  const [source = '', target = '', mode] = v.split(':');
  return { source, target, mode, isBind: source.startsWith('./') || source.startsWith('../') || source.startsWith('/') };
};
const envFile = (file: string): Record<string, string> => Object.fromEntries(readFileSync(join(repoRoot, file), 'utf8').split('\n')
  .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('docker-compose.yml for a site', () => {
  it('has the gateway, InfluxDB, Grafana and a mosquitto standing in for the hub', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'grafana', 'hub-mqtt', 'influxdb']);
    expect(compose.services['influxdb']?.image).toMatch(/^influxdb:1\./);
    expect(compose.services['hub-mqtt']?.image).toMatch(/^eclipse-mosquitto:2/);
    expect(compose.services['grafana']?.image).toMatch(/^grafana\/grafana/);
  });

  it('mounts only paths that exist, and named volumes it declares', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const b = bind(v);
        if (b.isBind) expect(existsSync(join(repoRoot, b.source)), `${name}: ${b.source}`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${b.source}`).toHaveProperty(b.source);
        expect(b.target.startsWith('/'), `${name}: ${v}`).toBe(true);
      }
      for (const f of s.env_file ?? []) expect(existsSync(join(repoRoot, f)), `${name}: ${f}`).toBe(true);
      for (const d of s.depends_on ?? []) expect(compose.services, `${name} depends on ${d}`).toHaveProperty(d);
    }
  });

  it('builds the gateway from files that exist', () => {
    const build = compose.services['gateway']!.build!;
    const dockerfile = join(repoRoot, build.context, build.dockerfile);
    expect(existsSync(dockerfile)).toBe(true);
    const text = readFileSync(dockerfile, 'utf8');
    for (const m of text.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)) {
      for (const src of m[1]!.trim().split(/\s+/)) if (src !== '.') expect(existsSync(join(repoRoot, build.context, src)), `COPY ${src}`).toBe(true);
    }
    const cmd = /^CMD (\[.*\])$/m.exec(text)?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', 'gateway/dist/cli.js', 'start', '--config', '/etc/campus-gateway/gateway.yaml']);
  });

  it('mounts a gateway config that validates and points at the compose services', () => {
    const mount = compose.services['gateway']!.volumes!.map(bind).find((b) => b.target === '/etc/campus-gateway/gateway.yaml')!;
    expect(mount.mode).toBe('ro');
    const text = readFileSync(join(repoRoot, mount.source), 'utf8');
    // What compose passes for each ${NAME} the config reads: required (`:?`), never a default.
    const env: Record<string, string> = {};
    for (const [, name] of text.matchAll(/"\$\{(\w+)\}"/g)) {
      expect(compose.services['gateway']!.environment?.[name!], name).toMatch(new RegExp(`^\\$\\{${name}:\\?.+\\}$`));
      env[name!] = sha256Token(`a random token for ${name}`);
    }
    expect(() => parseConfig(parseYaml(text), mount.source, {})).toThrow(ConfigError);
    const config = parseConfig(parseYaml(text), mount.source, env);
    // Secure by default: it would start without `insecure: true` (broker auth on, an admin token).
    expect(config.insecure).toBe(false);
    expect(checkStartable(config, mount.source)).toEqual([]);
    expect(config.http.tokens?.map((t) => t.role)).toContain('admin');
    expect(config.store.kind).toBe('influx');
    if (config.store.kind === 'influx') {
      expect(new URL(config.store.url).hostname).toBe('influxdb');
      expect(readFileSync(join(repoRoot, 'edge/site/influxdb/init.iql'), 'utf8')).toContain(`CREATE DATABASE ${config.store.database}`);
    }
    expect(new URL(config.uplink!.url).hostname).toBe('hub-mqtt');
    const ports = compose.services['gateway']!.ports!.map((p) => Number(p.split(':').pop()));
    expect(ports).toEqual(expect.arrayContaining([config.broker.port, config.http.port]));
    const data = compose.services['gateway']!.volumes!.map(bind).find((b) => b.source === 'gateway-data')!;
    for (const path of [config.privacy.pseudonymKeyFile, config.uplink!.outboxPath]) expect(path.startsWith(`${data.target}/`), path).toBe(true);
  });

  it('gives Grafana every variable its provisioning uses and its dashboards where the provider looks', () => {
    const grafana = compose.services['grafana']!;
    const env = { ...Object.assign({}, ...(grafana.env_file ?? []).map(envFile)) as Record<string, string>, ...grafana.environment };
    const mounts = grafana.volumes!.map(bind);
    const provisioning = mounts.find((b) => b.target === '/etc/grafana/provisioning')!;
    const datasources = readFileSync(join(repoRoot, provisioning.source, 'datasources', 'influxdb.yaml'), 'utf8');
    for (const [, name] of datasources.matchAll(/\$\{(\w+)\}/g)) expect(env, `\${${name}}`).toHaveProperty(name!);
    expect(new URL(env.INFLUX_URL!).hostname).toBe('influxdb');
    const provider = parseYaml(readFileSync(join(repoRoot, provisioning.source, 'dashboards', 'campus.yaml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
    const dashMount = mounts.find((b) => b.target === provider.providers[0]!.options.path)!;
    expect(existsSync(join(repoRoot, dashMount.source, 'facilities.json'))).toBe(true);
    expect(existsSync(join(repoRoot, dashMount.source, 'district.json'))).toBe(true);
    expect(env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH?.startsWith(dashMount.target)).toBe(true);
  });

  it('configures the stand-in hub broker to keep QoS 1 backlogs', () => {
    const conf = compose.services['hub-mqtt']!.volumes!.map(bind).find((b) => b.target === '/mosquitto/config/mosquitto.conf')!;
    const text = readFileSync(join(repoRoot, conf.source), 'utf8');
    expect(text).toMatch(/^listener 1883/m);
    expect(text).toMatch(/^max_queued_messages 100000$/m);
  });

  it('ships a systemd unit that checks the config before starting', () => {
    const unit = readFileSync(join(repoRoot, 'edge/systemd/campus-gateway.service'), 'utf8');
    for (const section of ['[Unit]', '[Service]', '[Install]']) expect(unit).toContain(section);
    expect(unit).toMatch(/^ExecStartPre=.* config check \/etc\/campus-gateway\/gateway\.yaml$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/campus-gateway\/gateway\/dist\/cli\.js start --config /m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
  });
});
