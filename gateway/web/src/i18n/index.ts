/**
 * The dashboard's words, in zh-CN and en (issue #19): every visible string is a key of the
 * catalogs in this folder, never a literal in a view. The language is the one the user picked
 * with the header switch (kept in localStorage), else the browser's first of `navigator.languages`
 * the dashboard speaks; `<html lang>` follows it. Numbers go through Intl.NumberFormat for the
 * language; dates and clock times stay the site's (site-time.ts).
 */
import { en, type MessageKey } from './en.js';
import { zhCN } from './zh-CN.js';

export type Locale = 'zh-CN' | 'en';
export type { MessageKey };
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
const CATALOGS: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };
const STORAGE_KEY = 'campus-gateway-lang';

/** The dashboard's language for a stored choice and the browser's list: zh* → zh-CN, en* → en, else English. */
export function pickLocale(stored: string | null, languages: readonly string[]): Locale {
  if (stored === 'zh-CN' || stored === 'en') return stored;
  for (const l of languages) {
    const tag = l.toLowerCase();
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

function storedChoice(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage blocked: the browser's languages decide
  }
}

let current: Locale = pickLocale(storedChoice(), typeof navigator === 'undefined' ? [] : navigator.languages);

export function locale(): Locale {
  return current;
}

/** Remembers the user's choice; the caller redraws. */
export function setLocale(l: Locale): void {
  current = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // not remembered, still applied
  }
  applyDocumentLocale();
}

/** `<html lang>` and every `[data-i18n]` element of index.html. */
export function applyDocumentLocale(): void {
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as MessageKey);
}

export type Params = Record<string, string | number>;

/** The message for `key` in the current language, `{name}` replaced by params (numbers formatted for the language). */
export function t(key: MessageKey, params: Params = {}): string {
  const text = CATALOGS[current][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (all, name: string) => {
    const v = params[name];
    return v === undefined ? all : typeof v === 'number' ? num(v) : v;
  });
}

/** True when the catalog has a message for `key` (API error codes the UI may not know yet). */
export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A number for the language (`1,234.5`; grouping and decimal marks from Intl), at most `digits` decimals. */
export function num(v: number, digits = 2, minDigits = 0): string {
  const key = `${current}|${digits}|${minDigits}`;
  let f = numberFormats.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(current, { maximumFractionDigits: digits, minimumFractionDigits: minDigits });
    numberFormats.set(key, f);
  }
  return f.format(v);
}

/** What a template tells the UI about names (`/api/templates`). */
export interface Labels { name: string; zh?: string; fields: Array<{ name: string; zh?: string }> }

/** A device type's name in the current language. */
export function templateLabel(t: Labels | undefined, id: string): string {
  if (!t) return id;
  return current === 'zh-CN' && t.zh ? t.zh : t.name;
}

/** A field's name in the current language: the template's `zh` label, or the snake_case name without its unit suffix. */
export function fieldLabel(t: Labels | undefined, name: string, plain: (n: string) => string): string {
  const zh = current === 'zh-CN' ? t?.fields.find((f) => f.name === name)?.zh : undefined;
  return zh ?? plain(name);
}
