/**
 * The district page's words: the `hub.*` keys of the dashboard's catalogs (i18n/en.ts,
 * i18n/zh-CN.ts). The page speaks Chinese unless `?lang=en` or a stored choice says English
 * (district staff read Chinese; the wall display has no switch to press).
 */
import { en, type MessageKey } from '../i18n/en.js';
import { zhCN } from '../i18n/zh-CN.js';

export type Lang = 'zh-CN' | 'en';
/** The page's keys (`hub.title`, …); the dashboard's own are never asked for here. */
export type Key = Extract<MessageKey, `hub.${string}`>;

const CATALOGS: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

export function pickLang(query: URLSearchParams, stored: string | null): Lang {
  const want = query.get('lang') ?? stored;
  return want === 'en' ? 'en' : 'zh-CN';
}

export function translator(lang: Lang): (key: Key) => string {
  return (key) => CATALOGS[lang][key];
}
