// docker-compose.yml for a site (Docker does not run here): every bind-mounted path, env file,
// build context and Dockerfile COPY source exists; services wait for healthy dependencies; the
// gateway config and the hub config it mounts validate and point at the compose services;
// Grafana gets every variable its provisioning uses and the dashboards land where the provider
// looks; the systemd unit is complete. compose-servers.test.ts runs the healthchecks and the
// hub service's config against real servers.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { sha256Token } from '../../src/api/token-hash.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { resolveStatePaths } from '../../src/config/paths.js';
import { checkStartable } from '../../src/config/secure-start.js';
import { parseHubConfig } from '../../src/hub/index.js';
import { repoRoot } from '../kit/index.js';
import { envFile, expectHealthyDependencies, expectMountsExist, imageDataVolume, loadCompose, mount, variables } from './compose-files.js';

const compose = loadCompose('docker-compose.yml');
const services = compose.doc.services;
const mountAt = (service: string, target: string) => services[service]!.volumes!.map(mount).find((m) => m.target === target)!;
/** The mounted gateway config, with each `${NAME}` it reads given as compose would pass it. */
const gatewayConfig = () => {
  const m = mountAt('gateway', '/etc/campus-gateway/gateway.yaml');
  const text = readFileSync(join(repoRoot, m.source), 'utf8');
  const env: Record<string, string> = {};
  for (const [, name] of text.matchAll(/"\$\{(\w+)\}"/g)) env[name!] = sha256Token(`a random token for ${name}`);
  return { mode: m.mode, text, source: m.source, config: parseConfig(parseYaml(text), m.source, env) };
};

describe('docker-compose.yml for a site', () => {
  it('has the gateway, the hub role, InfluxDB, Grafana and a mosquitto standing in for the hub broker', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway', 'grafana', 'hub', 'hub-mqtt', 'influxdb']);
    expect(services['influxdb']?.image).toMatch(/^influxdb:1\./);
    expect(services['hub-mqtt']?.image).toMatch(/^eclipse-mosquitto:2/);
    expect(services['grafana']?.image).toMatch(/^grafana\/grafana/);
    expect(compose.text).toMatch(/^# Requires Docker Compose v2/m);
  });

  it('mounts only paths that exist and named volumes it declares; asks for every variable it uses', () => {
    expectMountsExist(compose);
    expect(variables(compose)).toEqual(expect.arrayContaining([
      { name: 'GRAFANA_ADMIN_PASSWORD', op: ':?', word: expect.stringMatching(/^set GRAFANA_ADMIN_PASSWORD/) as string },
      { name: 'CAMPUS_ADMIN_TOKEN_HASH', op: ':?', word: expect.stringMatching(/^set CAMPUS_ADMIN_TOKEN_HASH/) as string },
    ]));
    expect(variables(compose).every((v) => v.op === ':?')).toBe(true);
  });

  it('starts each service once what it depends on is healthy, with a healthcheck per server', () => {
    expectHealthyDependencies(compose);
    expect(services['gateway']!.depends_on).toEqual({ influxdb: { condition: 'service_healthy' }, 'hub-mqtt': { condition: 'service_healthy' } });
    expect(services['hub']!.depends_on).toEqual({ influxdb: { condition: 'service_healthy' }, 'hub-mqtt': { condition: 'service_healthy' } });
    expect(services['grafana']!.depends_on).toEqual({ influxdb: { condition: 'service_healthy' } });
    const { config } = gatewayConfig();
    expect(services['gateway']!.healthcheck!.test!.join(' ')).toContain(`fetch('http://127.0.0.1:${config.http.port}/api/health')`);
    expect(services['influxdb']!.healthcheck!.test).toEqual(['CMD', 'curl', '-fsS', '-o', '/dev/null', 'http://127.0.0.1:8086/ping']);
    expect(services['hub-mqtt']!.healthcheck!.test).toEqual(expect.arrayContaining(['CMD', 'mosquitto_sub', '$$SYS/#', '-C', '1']));
    expect(services['hub']!.healthcheck).toEqual({ disable: true });
  });

  it('builds the gateway image from files that exist, with its data in the image volume', () => {
    const build = services['gateway']!.build!;
    expect(services['hub']!.build).toEqual(build);
    expect(services['hub']!.image).toBe(services['gateway']!.image);
    const text = readFileSync(join(repoRoot, build.context, build.dockerfile), 'utf8');
    for (const m of text.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)) {
      for (const src of m[1]!.trim().split(/\s+/)) if (src !== '.') expect(existsSync(join(repoRoot, build.context, src)), `COPY ${src}`).toBe(true);
    }
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(text)![1]!)).toEqual(['node', '--max-old-space-size=1024', '/opt/campus-gateway/gateway/dist/cli.js', 'start', '--config', '/etc/campus-gateway/gateway.yaml']);
    for (const service of ['gateway', 'hub']) expect(services[service]!.volumes!.map(mount).filter((m) => m.kind === 'volume').map((m) => m.target)).toEqual([imageDataVolume()]);
  });

  it('mounts a gateway config that validates and points at the compose services', () => {
    const { mode, config, text, source } = gatewayConfig();
    expect(mode).toBe('ro');
    // Secure by default: each ${NAME} the config reads is required by compose (`:?`, never a default),
    // an unset one refuses the file, and it would start without `insecure: true`.
    for (const [, name] of text.matchAll(/"\$\{(\w+)\}"/g)) {
      expect(services['gateway']!.environment?.[name!], name).toMatch(new RegExp(`^\\$\\{${name}:\\?.+\\}$`));
    }
    expect(() => parseConfig(parseYaml(text), source, {})).toThrow(ConfigError);
    expect(config.insecure).toBe(false);
    expect(checkStartable(config, source)).toEqual([]);
    expect(config.http.tokens?.map((t) => t.role)).toContain('admin');
    expect(config.store.kind).toBe('influx');
    if (config.store.kind === 'influx') {
      expect(new URL(config.store.url).hostname).toBe('influxdb');
      expect(readFileSync(join(repoRoot, 'edge/site/influxdb/init.iql'), 'utf8')).toContain(`CREATE DATABASE ${config.store.database}`);
    }
    expect(new URL(config.uplink!.url).hostname).toBe('hub-mqtt');
    const ports = services['gateway']!.ports!.map((p) => Number(p.split(':').pop()));
    expect(ports).toEqual(expect.arrayContaining([config.broker.port, config.http.port]));
    const paths = resolveStatePaths(config);
    for (const path of [paths.pseudonymKeyFile, paths.uplinkOutbox, paths.influxSpoolDir]) expect(path.startsWith(`${imageDataVolume()}/`), path).toBe(true);
  });

  it('runs the hub role on a config that reads the stand-in broker and writes the district database', () => {
    expect(services['hub']!.command).toEqual(['campus-gateway', 'hub', '--config', '/etc/campus-hub/hub.yaml']);
    const m = mountAt('hub', '/etc/campus-hub/hub.yaml');
    expect(m.mode).toBe('ro');
    const hub = parseHubConfig(parseYaml(readFileSync(join(repoRoot, m.source), 'utf8')), m.source);
    const { config } = gatewayConfig();
    expect(new URL(hub.broker.url).host).toBe(new URL(config.uplink!.url).host);
    expect(hub.broker.topicPrefix).toBe(config.uplink!.topicPrefix);
    expect(hub.broker.ack).toBe(true);
    expect(new URL(hub.influx.url).hostname).toBe('influxdb');
    expect(readFileSync(join(repoRoot, 'edge/site/influxdb/init.iql'), 'utf8')).toContain(`CREATE DATABASE ${hub.influx.database}`);
    expect(envFile(compose, 'edge/site/grafana.env').INFLUX_DISTRICT_DB).toBe(hub.influx.database);
    expect(hub.dedup.path.startsWith(`${imageDataVolume()}/`)).toBe(true);
  });

  it('gives Grafana every variable its provisioning uses and its dashboards where the provider looks', () => {
    const grafana = services['grafana']!;
    const env = { ...Object.assign({}, ...(grafana.env_file ?? []).map((f) => envFile(compose, f))) as Record<string, string>, ...grafana.environment };
    const mounts = grafana.volumes!.map(mount);
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
    const conf = mountAt('hub-mqtt', '/mosquitto/config/mosquitto.conf');
    const text = readFileSync(join(repoRoot, conf.source), 'utf8');
    expect(text).toMatch(/^listener 1883/m);
    expect(text).toMatch(/^max_queued_messages 100000$/m);
  });

  it('ships a systemd unit that checks the config before starting', () => {
    const unit = readFileSync(join(repoRoot, 'edge/systemd/campus-gateway.service'), 'utf8');
    for (const section of ['[Unit]', '[Service]', '[Install]']) expect(unit).toContain(section);
    expect(unit).toMatch(/^ExecStartPre=.* config check \/etc\/campus-gateway\/gateway\.yaml$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node --max-old-space-size=1024 \/opt\/campus-gateway\/gateway\/dist\/cli\.js start --config /m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
  });
});
