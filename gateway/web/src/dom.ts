/** A tiny DOM builder: h('div', { class: 'x', onclick }, child, 'text'). No framework, no CDN. */
import { hasMessage, num, t } from './i18n/index.js';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    // Through CSSOM: the gateway's CSP (style-src 'self') refuses style attributes.
    else if (k === 'style') el.style.cssText = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag: string, attrs: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return t('ago.never');
  const sec = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (sec < 60) return t('ago.s', { n: sec });
  if (sec < 3600) return t('ago.min', { n: Math.round(sec / 60) });
  if (sec < 86_400) return t('ago.h', { n: Math.round(sec / 3600) });
  return t('ago.d', { n: Math.round(sec / 86_400) });
}

/** The unit of a field, from its snake_case suffix (`co2_ppm` → ppm). */
export function unitOf(name: string): string {
  return UNITS.find(([suffix]) => name.endsWith(suffix))?.[1] ?? '';
}

/** A field name without its unit suffix, for labels (`desk_illuminance_lux` → desk illuminance). */
export function labelOf(name: string): string {
  const unit = UNITS.find(([suffix]) => name.endsWith(suffix))?.[0];
  return (unit ? name.slice(0, -unit.length) : name).replaceAll('_', ' ');
}

/** A field value for display (Intl digits for the UI's language), with its unit taken from the snake_case suffix. */
export function formatValue(name: string, v: unknown, templateUnit?: string | null): string {
  if (typeof v === 'boolean') return v ? t('value.yes') : t('value.no');
  if (typeof v === 'string') {
    // An enum value the catalogs know (standby, forced, cool …) in the page's language; ids and free text as sent.
    const key = `value.${v}`;
    return hasMessage(key) ? t(key) : v;
  }
  if (typeof v !== 'number') return String(v);
  const unit = templateUnit ?? unitOf(name);
  const text = Number.isInteger(v) ? num(v, 0) : num(v, Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return unit ? `${text} ${unit}` : text;
}

const UNITS: Array<[string, string]> = [
  ['_pct', '%'], ['_ppm', 'ppm'], ['_ugm3', 'µg/m³'], ['_mgm3', 'mg/m³'], ['_c', '°C'], ['_w', 'W'], ['_kw', 'kW'],
  ['_kwh', 'kWh'], ['_lux', 'lx'], ['_v', 'V'], ['_a', 'A'], ['_hz', 'Hz'], ['_db', 'dB'], ['_dbm', 'dBm'], ['_k', 'K'],
  ['_m3', 'm³'], ['_m3h', 'm³/h'], ['_l', 'L'], ['_bpm', 'bpm'], ['_mm', 'mm'], ['_ms', 'ms'], ['_s', 's'], ['_gb', 'GB'], ['_mps', 'm/s'],
];

export function clear(el: Element, ...children: Array<Node | null | false | undefined>): void {
  el.replaceChildren(...children.filter((c): c is Node => !!c));
}
