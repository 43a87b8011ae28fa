/**
 * The district hub broker as edge/hub ships it, on this machine: mosquitto with
 * edge/hub/mosquitto.conf and edge/hub/campus-hub.acl, where only what docker-compose.yml mounts
 * from the operator differs (a test CA and server certificate for 127.0.0.1, a passwd file with
 * district-hub and two schools), the listener on a free loopback port and persistence in a temp
 * directory. Used by compose-servers.test.ts and reliability/security-pack.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensurePackages, freePort, repoRoot } from '../kit/index.js';
import { makeTempDir, spawnReady, type TrackedProcess } from '../kit/processes.js';

export interface DistrictBroker {
  /** mqtts://127.0.0.1:<port> */
  url: string;
  port: number;
  caFile: string;
  dir: string;
  /** Passwords of the passwd file: district-hub, school-17, school-18. */
  passwords: Record<string, string>;
  stop(): Promise<void>;
}

const acceptsTcp = (port: number) => new Promise<boolean>((resolve) => {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.once('connect', () => { socket.destroy(); resolve(true); });
  socket.once('error', () => resolve(false));
});

export async function startDistrictBroker(): Promise<DistrictBroker> {
  await ensurePackages(['mosquitto', 'mosquitto-clients']);
  const dir = makeTempDir('district-broker');
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test district CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('hub.key'), '-out', f('hub.csr'));
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('hub.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('hub.pem'));
  const passwords: Record<string, string> = { 'district-hub': 'district-secret-1', 'school-17': 'school-17-secret', 'school-18': 'school-18-secret' };
  for (const [user, password] of Object.entries(passwords)) {
    execFileSync('mosquitto_passwd', ['-b', ...(user === 'district-hub' ? ['-c'] : []), f('passwd'), user, password], { stdio: 'pipe' });
  }

  const port = await freePort();
  const paths: Record<string, string> = {
    cafile: f('ca.pem'), certfile: f('hub.pem'), keyfile: f('hub.key'), password_file: f('passwd'),
    acl_file: join(repoRoot, 'edge/hub/campus-hub.acl'), persistence_location: `${dir}/`,
  };
  const shipped = readFileSync(join(repoRoot, 'edge/hub/mosquitto.conf'), 'utf8');
  const conf = shipped.split('\n').map((line) => {
    const [key] = line.split(' ');
    if (/^listener \d+$/.test(line)) return `listener ${port} 127.0.0.1`;
    if (key !== undefined && key in paths) return `${key} ${paths[key]}`;
    return line;
  });
  // As root, mosquitto would switch to the `mosquitto` user, which cannot read the 0700 temp dir.
  if (process.getuid?.() === 0) conf.push('user root');
  conf.push('log_dest stderr');
  writeFileSync(f('mosquitto.conf'), `${conf.join('\n')}\n`);
  const proc: TrackedProcess = await spawnReady('mosquitto', ['-c', f('mosquitto.conf')], `district mosquitto (127.0.0.1:${port})`, () => acceptsTcp(port), 20_000);
  return {
    url: `mqtts://127.0.0.1:${port}`, port, caFile: f('ca.pem'), dir, passwords,
    async stop() { await proc.stop('SIGTERM'); },
  };
}
