// Installs the Debian packages the kit's servers come from, when they are missing.
//
// Concurrent callers (vitest runs test files in parallel worker processes) are
// serialized by an exclusive flock(1) on APT_LOCK_FILE, held by a small helper
// process for as long as we install. The kernel drops the lock when the helper's
// stdin closes, so a test process that dies mid-install never leaves a stale lock.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const APT_LOCK_FILE = '/tmp/campus-gateway-kit-apt.lock';
const LOCK_TIMEOUT_MS = 20 * 60_000;
let aptUpdated = false;
const knownInstalled = new Set<string>();

async function isInstalled(pkg: string): Promise<boolean> {
  try {
    const { stdout } = await execFileP('dpkg-query', ['-W', '-f=${Status}', pkg]);
    return stdout.includes('install ok installed');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`ensurePackages: dpkg-query not found; the test kit needs a Debian-based machine to check for ${pkg}`);
    }
    return false; // dpkg-query exits 1 for a package it does not know
  }
}

async function missingPackages(pkgs: string[]): Promise<string[]> {
  const unknown = pkgs.filter((pkg) => !knownInstalled.has(pkg));
  const installed = await Promise.all(unknown.map(isInstalled));
  unknown.forEach((pkg, i) => installed[i] && knownInstalled.add(pkg));
  return unknown.filter((_, i) => !installed[i]);
}

/** Takes the cross-process apt lock; resolves to a function that releases it. */
async function acquireAptLock(): Promise<() => Promise<void>> {
  const holder = spawn('flock', ['-x', '-w', String(LOCK_TIMEOUT_MS / 1000), APT_LOCK_FILE, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  holder.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('locked')) resolve();
    });
    holder.once('error', (err) => reject(new Error(`ensurePackages: cannot run flock for ${APT_LOCK_FILE}: ${err.message}`)));
    holder.once('exit', (code) => reject(new Error(`ensurePackages: could not lock ${APT_LOCK_FILE} (flock exit ${code}): ${stderr.trim()}`)));
  });
  return async () => {
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.stdin.end();
    await exited;
  };
}

async function runApt(args: string[]): Promise<void> {
  const child = spawn('apt-get', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-6000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`ensurePackages: \`apt-get ${args.join(' ')}\` exited with ${code}. Its output ends with:\n${tail}`);
}

/**
 * Makes sure the Debian packages `pkgs` are installed. As root, installs the
 * missing ones with apt-get (running `apt-get update` first, once per process);
 * otherwise throws an Error naming the command to run.
 */
export async function ensurePackages(pkgs: string[]): Promise<void> {
  if ((await missingPackages(pkgs)).length === 0) return;
  const release = await acquireAptLock();
  try {
    // Another process may have installed them while we waited for the lock.
    const missing = await missingPackages(pkgs);
    if (missing.length === 0) return;
    if (process.getuid?.() !== 0) {
      throw new Error(
        `Missing Debian packages: ${missing.join(' ')}. The integration tests need them; install them with:\n` +
          `  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing.join(' ')}`,
      );
    }
    if (!aptUpdated) {
      await runApt(['update']);
      aptUpdated = true;
    }
    await runApt(['install', '-y', '-o', 'DPkg::Lock::Timeout=600', ...missing]);
    const still = await missingPackages(missing);
    if (still.length > 0) throw new Error(`ensurePackages: apt-get install succeeded but ${still.join(' ')} is still not installed`);
  } finally {
    await release();
  }
}
