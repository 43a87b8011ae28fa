// edge/hub: a district's docker-compose.yml (TLS broker with the ACL, redundant hub processes,
// InfluxDB, Grafana with the District dashboard) and the hub role's systemd unit,
// checked as files (Docker does not run here; compose-servers.test.ts runs the broker config,
// its healthcheck and the hub config against real mosquitto and influxd).
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../src/hub/index.js';
import { repoRoot } from '../kit/index.js';
import { envFile, expectHealthyDependencies, expectMountsExist, imageDataVolume, inRepo, loadCompose, mount, variables } from './compose-files.js';

const compose = loadCompose('edge/hub/docker-compose.yml');
const services = compose.doc.services;
const hubs = Object.keys(services).filter((n) => /^hub-\d+$/.test(n));
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const conf = read('edge/hub/mosquitto.conf');
const directive = (name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(conf)?.[1];
/** A mount of the service covers `path` (the path itself or a directory above it). */
const mountOf = (service: string, path: string) => services[service]!.volumes!.map(mount)
  .find((m) => m.target === path || path.startsWith(`${m.target.replace(/\/$/, '')}/`));
const hubConfig = parseHubConfig(parseYaml(read('edge/hub/hub.compose.example.yaml')), 'edge/hub/hub.compose.example.yaml');

describe('edge/hub/docker-compose.yml for a district', () => {
  it('has the broker, two or more hub processes, InfluxDB and Grafana; states Compose v2', () => {
    expect(Object.keys(services).filter((n) => !hubs.includes(n)).sort()).toEqual(['broker', 'grafana', 'influxdb']);
    expect(hubs.length).toBeGreaterThanOrEqual(2);
    expect(services['broker']!.image).toMatch(/^eclipse-mosquitto:2/);
    expect(services['influxdb']!.image).toMatch(/^influxdb:1\./);
    expect(compose.text).toMatch(/^# Requires Docker Compose v2/m);
  });

  it('mounts repository files that exist, and operator files (certificates, passwords, config) only through required variables', () => {
    expectMountsExist(compose);
    const vars = variables(compose);
    for (const v of vars.filter((x) => x.op !== '')) expect(v, v.name).toMatchObject({ op: ':?', word: expect.stringMatching(/^set \w+/) as string });
    expect([...new Set(vars.map((v) => v.name))].sort()).toEqual(['GRAFANA_ADMIN_PASSWORD', 'HUB_BROKER_HOST', 'HUB_CONFIG', 'HUB_PASSWD_FILE', 'HUB_TLS_DIR']);
    for (const v of ['HUB_BROKER_HOST', 'HUB_CONFIG', 'HUB_PASSWD_FILE', 'HUB_TLS_DIR', 'GRAFANA_ADMIN_PASSWORD']) expect(compose.text, `documented: ${v}`).toMatch(new RegExp(`^#\\s+${v}=`, 'm'));
  });

  it('starts the hubs and Grafana once the broker and InfluxDB are healthy', () => {
    expectHealthyDependencies(compose);
    for (const h of hubs) expect(services[h]!.depends_on).toEqual({ broker: { condition: 'service_healthy' }, influxdb: { condition: 'service_healthy' } });
    expect(services['broker']!.healthcheck!.test![1]).toContain(`-p ${/^listener (\d+)/m.exec(conf)![1]} --cafile ${directive('cafile')}`);
    expect(services['influxdb']!.healthcheck!.test).toContain('http://127.0.0.1:8086/ping');
  });

  it('gives the broker every file its mosquitto.conf names: TLS, passwords, the ACL, persistence', () => {
    const broker = services['broker']!;
    const confMount = broker.volumes!.map(mount).find((m) => m.target === '/mosquitto/config/mosquitto.conf')!;
    expect(inRepo(compose, confMount.source)).toBe('edge/hub/mosquitto.conf');
    expect(broker.command!.join(' ')).toContain(`mosquitto -c ${confMount.target}`);
    for (const name of ['cafile', 'certfile', 'keyfile', 'password_file', 'acl_file', 'persistence_location']) {
      const path = directive(name)!;
      expect(path, name).toBeDefined();
      expect(mountOf('broker', path.replace(/\/$/, '')), `${name} ${path}`).toBeDefined();
    }
    expect(inRepo(compose, mountOf('broker', directive('acl_file')!)!.source)).toBe('edge/hub/campus-hub.acl');
    expect(mountOf('broker', directive('persistence_location')!.replace(/\/$/, ''))!.kind).toBe('volume');
    expect(broker.command!.join(' ')).toContain(`chown mosquitto:mosquitto ${directive('persistence_location')!.replace(/\/$/, '')}`);
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(conf).not.toMatch(/^listener 1883/m);
    expect(broker.ports).toEqual([`${/^listener (\d+)/m.exec(conf)![1]}:${/^listener (\d+)/m.exec(conf)![1]}`]);
  });

  it('runs every hub process on the example config: plain subscription, own client id, CA and state mounted', () => {
    const names = new Set<string>();
    for (const h of hubs) {
      const s = services[h]!;
      expect(s.command).toEqual(['campus-gateway', 'hub', '--config', '/etc/campus-hub/hub.yaml']);
      expect(s.build).toEqual({ context: '../..', dockerfile: 'edge/site/Dockerfile' });
      expect(s.healthcheck).toEqual({ disable: true });
      names.add(s.hostname!);
      expect(mountOf(h, '/etc/campus-hub/hub.yaml')!.source).toMatch(/^\$\{HUB_CONFIG:\?/);
      expect(mountOf(h, hubConfig.broker.caFile!), `${h}: ${hubConfig.broker.caFile}`).toBeDefined();
      const data = mountOf(h, hubConfig.dedup.path)!;
      expect(data).toMatchObject({ kind: 'volume', target: imageDataVolume() });
    }
    expect(names.size).toBe(hubs.length);
    const example = read('edge/hub/hub.compose.example.yaml');
    expect(example).not.toMatch(/^\s+clientId:/m);
    // A shared group lets a school take messages from the hub (security-pack.test.ts).
    expect(hubConfig.broker.sharedGroup).toBeNull();
    expect(hubConfig.broker.url).toMatch(new RegExp(`^mqtts://[^/]+:${/^listener (\d+)/m.exec(conf)![1]}$`));
    expect(read('edge/hub/campus-hub.acl')).toMatch(new RegExp(`^user ${hubConfig.broker.username}$`, 'm'));
    expect(new URL(hubConfig.influx.url).hostname).toBe('influxdb');
    expect(services['influxdb']!.environment!.INFLUXDB_DB).toBe(hubConfig.influx.database);
  });

  it('gives Grafana the District dashboard on the district database', () => {
    const grafana = services['grafana']!;
    const env = { ...Object.assign({}, ...(grafana.env_file ?? []).map((f) => envFile(compose, f))) as Record<string, string>, ...grafana.environment };
    const provisioning = grafana.volumes!.map(mount).find((m) => m.target === '/etc/grafana/provisioning')!;
    const dir = inRepo(compose, provisioning.source);
    for (const [, name] of read(`${dir}/datasources/influxdb.yaml`).matchAll(/\$\{(\w+)\}/g)) expect(env, `\${${name}}`).toHaveProperty(name!);
    expect(env.INFLUX_DISTRICT_DB).toBe(hubConfig.influx.database);
    expect(new URL(env.INFLUX_URL!).hostname).toBe('influxdb');
    const provider = parseYaml(read(`${dir}/dashboards/campus.yaml`)) as { providers: Array<{ options: { path: string } }> };
    const dashboards = grafana.volumes!.map(mount).filter((m) => posix.dirname(m.target) === provider.providers[0]!.options.path);
    expect(dashboards.map((m) => inRepo(compose, m.source))).toEqual(['dashboards/grafana/dashboards/district.json']);
    expect(env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(dashboards[0]!.target);
  });
});

describe('edge/hub/campus-hub.service', () => {
  const unit = read('edge/hub/campus-hub.service');
  const gatewayUnit = read('edge/systemd/campus-gateway.service');

  it('runs the installed command, not npx', () => {
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node --max-old-space-size=1024 \/opt\/campus-gateway\/gateway\/dist\/cli\.js hub --config \/etc\/campus-hub\/hub\.yaml$/m);
    expect(unit).not.toMatch(/^Exec\w*=.*\bnpx\b/m);
    expect(unit).toContain('\nEnvironment=MALLOC_MMAP_THRESHOLD_=131072\n');
  });

  it('keeps its state in its StateDirectory, with the hardening of the gateway unit', () => {
    for (const line of ['StateDirectory=campus-hub', 'StateDirectoryMode=0700', 'WorkingDirectory=/var/lib/campus-hub', 'ReadWritePaths=/var/lib/campus-hub', 'User=campus-hub']) {
      expect(unit.split('\n'), line).toContain(line);
    }
    const hardening = gatewayUnit.slice(gatewayUnit.indexOf('# Hardening')).split('\n').filter((l) => /^\w+=/.test(l) && !l.startsWith('ReadWritePaths=') && !l.startsWith('WantedBy='));
    expect(hardening.length).toBeGreaterThanOrEqual(8);
    for (const line of hardening) expect(unit.split('\n'), line).toContain(line);
    const example = parseHubConfig(parseYaml(read('edge/hub/hub.example.yaml')), 'edge/hub/hub.example.yaml');
    expect(example.dedup.path.startsWith('/var/lib/campus-hub/')).toBe(true);
  });
});
