import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { defaultCatalogDir, staleCatalogPages } from './docs-cli.js';
import { catalogPages } from './docs-page.js';
import { defaultTemplatesDir, loadAll } from './load.js';

describe('device catalog pages (docs/devices)', () => {
  it('are current: regenerate with `npx campus-gateway templates docs`', async () => {
    const { stale, extra, pages } = await staleCatalogPages(defaultTemplatesDir(), defaultCatalogDir());
    expect({ stale, extra }).toEqual({ stale: [], extra: [] });
    expect(pages.size).toBe(35);
  });

  it('has one page per template, linked from the index, naming every field and privacy class', async () => {
    const { loaded } = await loadAll(defaultTemplatesDir());
    const pages = catalogPages(loaded);
    const index = pages.get('README.md')!;
    for (const { template: t } of loaded) {
      expect(index).toContain(`(${t.id}.md)`);
      const page = pages.get(`${t.id}.md`)!;
      expect(page).toContain(`# ${t.name} · ${t.zh} (`);
      for (const f of t.fields) expect(page).toContain(`| \`${f.name}\` | ${f.zh} |`);
      const personal = t.fields.filter((f) => f.privacy);
      for (const f of personal) expect(index).toContain(`${f.name} (${f.privacy})`);
    }
    expect(pages.get('smart-pen.md')).toContain('| `pen` | 笔编号 | string |  | text, at most 256 characters | state | id |');
    expect(defaultCatalogDir()).toBe(join(defaultTemplatesDir(), '..', 'docs', 'devices'));
  });
});
