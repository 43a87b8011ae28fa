/**
 * vitest globalSetup of the integration project: installs every Debian package
 * the integration tests need once, before any test file starts, so that a fresh
 * machine pays the apt-get cost here (no hook timeout) rather than inside a
 * test's beforeAll. Fails (never skips) naming the command when not root.
 */
import { ensurePackages } from './kit/index.js';

export const SYSTEM_PACKAGES = ['influxdb', 'influxdb-client', 'mosquitto', 'mosquitto-clients', 'socat', 'chromium', 'fonts-noto-cjk'];

export default async function setup(): Promise<void> {
  await ensurePackages(SYSTEM_PACKAGES);
}
