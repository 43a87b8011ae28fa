import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (this file is gateway/test/kit/paths.ts). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** `<repo>/test-output/<name>`, created if needed; git-ignored. For screenshots and other artefacts. */
export function testOutputDir(name: string): string {
  const dir = join(repoRoot, 'test-output', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
