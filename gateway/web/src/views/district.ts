/**
 * District: energy and usage per day from the summaries this gateway keeps on disk (/api/summaries),
 * charted; an empty state until there are any. With `uplink.hubUrl` set, a link to the hub's page,
 * where every school of the district is shown (this tab shows only its own).
 */
import { getJson } from '../api.js';
import { barChart } from '../chart.js';
import { siteDay } from '../site-time.js';
import { clear, h } from '../dom.js';
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

const ENERGY: Array<[string, string, string, string]> = [['energy_kwh', 'Energy used per day', 'kWh', '#b45309'], ['pv_yield_kwh', 'Solar yield per day', 'kWh', '#ca8a04'], ['water_m3', 'Water per day', 'm³', '#0369a1']];
const USAGE: Array<[string, string, string, string]> = [['board_on_min', 'Smart boards on per day', 'h', '#0f766e'], ['projector_on_min', 'Projectors on per day', 'h', '#7c3aed'], ['recording_min', 'Lesson recording per day', 'h', '#be123c']];

/** The hub link, only for an http(s) URL (the config checks it too: never a `javascript:` link). */
export function hubLink(url: string | null | undefined): HTMLElement | null {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
  return h('a', { id: 'district-hub-link', class: 'hub-link', href: url, rel: 'noopener noreferrer' }, 'All schools on the district hub →');
}

export function districtView(): View {
  let body: HTMLElement;
  let hub: HTMLElement;
  return {
    title: 'District',
    everyMs: 30_000,
    mount(root) {
      body = h('div', { id: 'district-body' });
      hub = h('span', { id: 'district-hub' });
      root.append(h('div', { class: 'page-head' }, h('h1', {}, 'Energy and usage'), h('span', { class: 'muted' }, `last ${DAYS} days, from the site's summaries`), hub), body);
    },
    async refresh() {
      const to = Date.now();
      const from = to - DAYS * 86_400_000;
      const [energy, usage] = await Promise.all(['energy', 'usage'].map((kind) => getJson<SummaryList>(`/api/summaries?kind=${kind}&from=${from}&to=${to}`)));
      clear(hub, hubLink(energy!.hub_url));
      if (energy!.items.length === 0 && usage!.items.length === 0) {
        clear(body, h('div', { class: 'card empty-state', id: 'district-empty' },
          h('h3', {}, 'No summaries yet'),
          h('p', {}, energy!.available
            ? 'Summaries appear here once the gateway has closed its first summary window (energy meters, smart boards and projectors must be reporting).'
            : 'This gateway has no summaries engine connected yet; energy and usage per day will appear here once it runs.')));
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
        .map(([m, label, unit, color]) => h('div', { class: 'card', 'data-metric': m }, barChart(days.slice(-DAYS).map((d) => ({ label: d.slice(5), v: scale(m, table.get(d)?.[m] ?? 0) })), { label: `${label} (${unit})`, unit, color })));
      const total = (table: Map<string, Record<string, number>>, m: string) => [...table.values()].reduce((n, r) => n + (r[m] ?? 0), 0);
      clear(body,
        h('section', { class: 'stats' },
          h('div', { class: 'stat neutral', id: 'district-kwh' }, h('div', { class: 'stat-value' }, total(e, 'energy_kwh').toFixed(1)), h('div', { class: 'stat-label' }, `kWh in ${DAYS} days`)),
          h('div', { class: 'stat neutral' }, h('div', { class: 'stat-value' }, (total(u, 'board_on_min') / 60).toFixed(1)), h('div', { class: 'stat-label' }, 'smart-board hours')),
          h('div', { class: 'stat neutral' }, h('div', { class: 'stat-value' }, (total(u, 'projector_on_min') / 60).toFixed(1)), h('div', { class: 'stat-label' }, 'projector hours'))),
        h('div', { class: 'charts wide', id: 'district-charts' }, ...charts(e, ENERGY, (_m, v) => v), ...charts(u, USAGE, (_m, v) => v / 60)),
      );
    },
  };
}
