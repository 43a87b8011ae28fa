/**
 * The repository documents itself: no file points outside it (a clone has nothing
 * beside it), and every relative link in a Markdown file names a file that exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../kit/index.js';

const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter((f) => f.length > 0 && existsSync(join(repoRoot, f)));
const textFiles = tracked.filter((f) => /\.(md|ts|mjs|js|json|ya?ml|conf|acl|service|env|sh)$|Dockerfile$|^\.ci\//.test(f) && !f.endsWith('package-lock.json') && !f.endsWith('web/app.js'));

describe('documentation inside the repository', () => {
  it('no file refers to ../shared or to spec files a clone does not have', () => {
    const offenders: string[] = [];
    for (const f of textFiles) {
      if (f === 'gateway/test/integration/docs-links.test.ts') continue;
      const text = readFileSync(join(repoRoot, f), 'utf8');
      text.split('\n').forEach((line, i) => {
        if (/\.\.\/shared\/|\b(contract|device-catalog|machine-notes)\.md\b|STYLE\.md/.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim().slice(0, 100)}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('every relative link in a Markdown file resolves to a file in the repository', () => {
    const broken: string[] = [];
    for (const f of tracked.filter((t) => t.endsWith('.md'))) {
      const text = readFileSync(join(repoRoot, f), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = decodeURIComponent(target.split('#')[0]!);
        if (!existsSync(join(repoRoot, dirname(f), path))) broken.push(`${f}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
