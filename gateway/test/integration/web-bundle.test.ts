// The committed dashboard bundle (gateway/web/app.js) is what its sources build
// to, and the page loads nothing from outside the gateway (closed school network).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../kit/index.js';

const web = join(repoRoot, 'gateway', 'web');

describe('web: the built front end', () => {
  it('app.js is up to date with gateway/web/src', () => {
    const out = execFileSync(process.execPath, [join(web, 'build.mjs'), '--check'], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  });

  it('references no external URL (no CDN)', () => {
    for (const file of ['index.html', 'style.css', 'uplot.css', 'app.js']) {
      const text = readFileSync(join(web, file), 'utf8');
      const external = text.match(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\/[^"'\s>]+|@import\s+url\(\s*["']?https?:|url\(\s*["']?https?:\/\//gi) ?? [];
      expect(external, file).toEqual([]);
    }
    const html = readFileSync(join(web, 'index.html'), 'utf8');
    expect(html).toContain('<script type="module" src="/app.js">');
    expect(html).toContain('campus-gateway');
  });
});
