/**
 * A socat pty pair for a simulated serial device: the simulator opens `sim`,
 * the gateway opens `gateway`. socat must be installed (`apt-get install socat`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface SimPty {
  sim: string;
  gateway: string;
  stop(): Promise<void>;
}

export async function openPtyPair(dir: string, name: string): Promise<SimPty> {
  const sim = join(dir, `${name}.sim`);
  const gateway = join(dir, `${name}.tty`);
  const proc: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${sim}`, `pty,raw,echo=0,link=${gateway}`], { stdio: 'ignore' });
  let failed: Error | undefined;
  proc.once('error', (err) => { failed = new Error(`SIM_ERR_SOCAT: cannot run socat (${err.message}); install it with apt-get install -y socat`); });
  const deadline = Date.now() + 10_000;
  while (!(existsSync(sim) && existsSync(gateway))) {
    if (failed) throw failed;
    if (proc.exitCode !== null) throw new Error(`SIM_ERR_SOCAT: socat exited with ${proc.exitCode} before creating ${sim}`);
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`SIM_ERR_SOCAT: socat did not create ${sim} within 10 s`); }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    sim, gateway,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
