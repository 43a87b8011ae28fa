/** The kit's influxd with authentication on: an admin and a user with no rights (restarted with auth-enabled = true in its own config file). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startInflux, type InfluxServer } from '../kit/index.js';

export const ADMIN = { username: 'admin', password: 'admin-pw-7f3a' };
export const WRITER = { username: 'writer', password: 'writer-pw-91c2' };

export async function startSecuredInflux(): Promise<InfluxServer> {
  const influx = await startInflux();
  await influx.query(`CREATE USER ${ADMIN.username} WITH PASSWORD '${ADMIN.password}' WITH ALL PRIVILEGES`);
  await influx.query(`CREATE USER ${WRITER.username} WITH PASSWORD '${WRITER.password}'`);
  await influx.stop();
  const conf = join(influx.dataDir, 'influxdb.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('auth-enabled = false', 'auth-enabled = true'));
  await influx.start();
  return influx;
}
