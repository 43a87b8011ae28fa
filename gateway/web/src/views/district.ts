/**
 * District: energy and usage per day from the summaries this gateway keeps on disk (/api/summaries),
 * charted; an empty state until there are any. With `uplink.hubUrl` set, a link to the hub's page,
 * where every school of the district is shown (this tab shows only its own).
 */
import { getJson } from '../api.js';
import { barChart } from '../chart.js';
import { siteDay } from '../site-time.js';
import { clear, h } from '../dom.js';
import { num, t, type MessageKey } from '../i18n/index.js';
import type { View } from '../view.js';

interface Summary {
  kind: string; resolution?: 'window' | 'hour' | 'day'; windowStart: string; windowEnd: string;
  values?: Record<string, number>;
}
interface SummaryList { available: boolean; hub_url?: string | null; items: Summary[] }

const DAYS = 14;
const RESOLUTION_ORDER = ['day', 'hour', 'window'] as const;

/** Sums each metric per local day, from the coarsest resolution present (so roll-ups are not counted twice). */
export function perDay(items: Summary[], metrics: string[]): Map<string, Record<string, number>> {
  const resolution = RESOLUTION_ORDER.find((r) => items.some((i) => (i.resolution ?? 'window') === r));
  const out = new Map<string, Record<string, number>>();
  for (const i of items) {
    if ((i.resolution ?? 'window') !== resolution) continue;
    const day = siteDay(Date.parse(i.windowStart));
    const rec = out.get(day) ?? {};
    for (const m of metrics) rec[m] = (rec[m] ?? 0) + (i.values?.[m] ?? 0);
    out.set(day, rec);
  }
  return out;
}

const ENERGY: Array<[string, MessageKey, string, string]> = [['energy_kwh', 'district.energy', 'kWh', '#b45309'], ['pv_yield_kwh', 'district.solar', 'kWh', '#ca8a04'], ['water_m3', 'district.water', 'm³', '#0369a1']];
const USAGE: Array<[string, MessageKey, string, string]> = [['board_on_min', 'district.boards', 'h', '#0f766e'], ['projector_on_min', 'district.projectors', 'h', '#7c3aed'], ['recording_min', 'district.recording', 'h', '#be123c']];

/** The hub link, only for an http(s) URL (the config checks it too: never a `javascript:` link). */
export function hubLink(url: string | null | undefined): HTMLElement | null {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
  return h('a', { id: 'district-hub-link', class: 'hub-link', href: url, rel: 'noopener noreferrer' }, t('district.hubLink'));
}

export function districtView(): View {
  let body: HTMLElement;
  let hub: HTMLElement;
  return {
    title: t('nav.district'),
    everyMs: 30_000,
    mount(root) {
      body = h('div', { id: 'district-body' });
      hub = h('span', { id: 'district-hub' });
      root.append(h('div', { class: 'page-head' }, h('h1', {}, t('district.title')), h('span', { class: 'muted' }, t('district.window', { days: DAYS })), hub), body);
    },
    async refresh() {
      const to = Date.now();
      const from = to - DAYS * 86_400_000;
      const [energy, usage] = await Promise.all(['energy', 'usage'].map((kind) => getJson<SummaryList>(`/api/summaries?kind=${kind}&from=${from}&to=${to}`)));
      clear(hub, hubLink(energy!.hub_url));
      if (energy!.items.length === 0 && usage!.items.length === 0) {
        clear(body, h('div', { class: 'card empty-state', id: 'district-empty' },
          h('h3', {}, t('district.noSummaries')),
          h('p', {}, energy!.available ? t('district.waiting') : t('district.noEngine'))));
        return;
      }
      const days: string[] = [];
      for (let t = from; t <= to; t += 86_400_000) {
        const day = siteDay(t);
        if (!days.includes(day)) days.push(day);
      }
      const e = perDay(energy!.items, ENERGY.map((m) => m[0]));
      const u = perDay(usage!.items, USAGE.map((m) => m[0]));
      const charts = (table: Map<string, Record<string, number>>, metrics: typeof ENERGY, scale: (m: string, v: number) => number) => metrics
        .filter(([m]) => [...table.values()].some((r) => (r[m] ?? 0) > 0))
        .map(([m, label, unit, color]) => h('div', { class: 'card', 'data-metric': m }, barChart(days.slice(-DAYS).map((d) => ({ label: d.slice(5), v: scale(m, table.get(d)?.[m] ?? 0) })), { label: t('district.chartLabel', { label: t(label), unit }), unit, color })));
      const total = (table: Map<string, Record<string, number>>, m: string) => [...table.values()].reduce((n, r) => n + (r[m] ?? 0), 0);
      clear(body,
        h('section', { class: 'stats' },
          h('div', { class: 'stat neutral', id: 'district-kwh' }, h('div', { class: 'stat-value' }, num(total(e, 'energy_kwh'), 1, 1)), h('div', { class: 'stat-label' }, t('district.kwhTotal', { days: DAYS }))),
          h('div', { class: 'stat neutral' }, h('div', { class: 'stat-value' }, num(total(u, 'board_on_min') / 60, 1, 1)), h('div', { class: 'stat-label' }, t('district.boardHours'))),
          h('div', { class: 'stat neutral' }, h('div', { class: 'stat-value' }, num(total(u, 'projector_on_min') / 60, 1, 1)), h('div', { class: 'stat-label' }, t('district.projectorHours')))),
        h('div', { class: 'charts wide', id: 'district-charts' }, ...charts(e, ENERGY, (_m, v) => v), ...charts(u, USAGE, (_m, v) => v / 60)),
      );
    },
  };
}
