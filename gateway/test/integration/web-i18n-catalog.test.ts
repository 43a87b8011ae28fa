// The dashboard's message catalogs (issue #19 item 1), checked without a browser: zh-CN and en
// have the same keys and the same {placeholders}, every key the sources use exists, and no view
// puts an English phrase on the page itself (a user-visible literal belongs in the catalogs).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/en.js';
import { zhCN } from '../../web/src/i18n/zh-CN.js';

const src = fileURLToPath(new URL('../../web/src/', import.meta.url));
const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
  .flatMap((e) => (e.isDirectory() ? (e.name === 'i18n' ? [] : sources(join(dir, e.name))) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dashboard message catalogs', () => {
  it('zh-CN and en have the same keys and placeholders, and zh-CN is Chinese', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const zh = zhCN[key as keyof typeof en];
      expect(placeholders(zh), key).toEqual(placeholders(text));
      // Keys whose text is a product name, a format or a glyph in both languages.
      if (!['app.title', 'auth.who', 'nav.api', 'range.1h', 'hub.kwh', 'hub.kwhPerM2', 'hub.csv'].includes(key) && /[A-Za-z]{3,}/.test(text.replace(/\{\w+\}/g, ''))) {
        expect(zh, key).toMatch(/\p{Script=Han}/u);
      }
    }
  });

  it('every key the dashboard asks for exists', () => {
    const used = new Set<string>();
    for (const file of sources(src)) for (const m of readFileSync(file, 'utf8').matchAll(/\bt\('([\w.-]+)'/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((k) => !(k in en))).toEqual([]);
  });

  it('no view puts English words on the page: visible text comes from the catalogs', () => {
    const found: string[] = [];
    const words = /[A-Za-z]{2,}/;
    /** The literal text of an expression that ends up as text: literals, template parts, both arms of ?: and ??. */
    const literalText = (e: ts.Expression): string[] => {
      if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
      if (ts.isTemplateExpression(e)) return [e.head.text, ...e.templateSpans.map((x) => x.literal.text)];
      if (ts.isConditionalExpression(e)) return [...literalText(e.whenTrue), ...literalText(e.whenFalse)];
      if (ts.isParenthesizedExpression(e)) return literalText(e.expression);
      if (ts.isBinaryExpression(e) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.PlusToken].includes(e.operatorToken.kind)) return [...literalText(e.left), ...literalText(e.right)];
      if (ts.isArrayLiteralExpression(e)) return e.elements.flatMap((x) => literalText(x as ts.Expression));
      return [];
    };
    for (const file of sources(src)) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
      const flag = (node: ts.Node, texts: string[]) => {
        for (const text of texts) if (words.test(text)) found.push(`${file.slice(src.length)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${JSON.stringify(text)}`);
      };
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
          const name = node.expression.text;
          // h(tag, attrs, ...children): children are text; the attrs that are shown are placeholder, title, aria-label, alt.
          if (name === 'h' || name === 's') {
            node.arguments.slice(2).forEach((a) => flag(a, literalText(a)));
            const attrs = node.arguments[1];
            if (attrs && ts.isObjectLiteralExpression(attrs)) {
              for (const p of attrs.properties) {
                if (ts.isPropertyAssignment(p) && ['placeholder', 'title', 'aria-label', 'alt'].includes(p.name.getText(sf).replace(/'/g, ''))) flag(p, literalText(p.initializer));
              }
            }
          }
          // Helpers whose first text argument is shown: a message banner, a confirm.
          if (['say', 'alert', 'confirm'].includes(name)) node.arguments.slice(0, 1).forEach((a) => flag(a, literalText(a)));
        }
        if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left)
          && ['textContent', 'title', 'placeholder', 'innerText'].includes(node.left.name.text)) flag(node, literalText(node.right));
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(found).toEqual([]);
  });
});
