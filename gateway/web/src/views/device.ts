/** One device: its status, latest fields and a chart of each numeric field over time (/api/readings). */
import { getJson, request, type Device, type FieldValue } from '../api.js';
import { counterIncrements } from '../chart-scale.js';
import { timeChart, type SeriesData, type TimeChart } from '../time-chart.js';
import { ago, clear, formatValue, h, labelOf, unitOf } from '../dom.js';
import { alarmsOf, batteryOf } from '../rules.js';
import type { View } from '../view.js';
import { templateNames, type TemplateInfo } from './facilities.js';
import { fieldLabel, t, templateLabel, type MessageKey } from '../i18n/index.js';

interface DeviceDetail extends Device {
  template_info: { name: string; category: string; transport: string } | null;
}

/** Label, span, bucket of a gauge, bucket of a counter's increments (kWh per 5 min / hour / day). */
const RANGES: Array<[MessageKey, number, string, string]> = [
  ['range.1h', 3_600_000, '30s', '5m'], ['range.6h', 6 * 3_600_000, '3m', '1h'], ['range.24h', 86_400_000, '10m', '1h'], ['range.7d', 7 * 86_400_000, '1h', '1d'],
];
const COLORS = ['#2563eb', '#0f766e', '#b45309', '#7c3aed', '#be123c', '#0369a1', '#4d7c0f', '#a21caf'];

export function deviceView(id: string): View {
  let head: HTMLElement;
  let latestBox: HTMLElement;
  let charts: HTMLElement;
  let range = RANGES[0]!;
  let lastCharts = 0;
  const shown = new Map<string, TimeChart>();
  let chartsKey = '';

  async function series(field: string, from: number, to: number, every: string): Promise<SeriesData | 'private'> {
    const q = new URLSearchParams({ device: id, field, from: String(from), to: String(to), every, agg: 'minmax' });
    const res = await request(`/api/readings?${q}`);
    if (res.status === 403) return 'private';
    const out: SeriesData = { ts: [], value: [], min: [], max: [] };
    if (!res.ok) return out;
    const body = (await res.json()) as { points: Array<{ ts: string; value: FieldValue; min?: number; max?: number }> };
    for (const p of body.points) {
      if (typeof p.value !== 'number') continue;
      out.ts.push(Date.parse(p.ts));
      out.value.push(p.value);
      out.min!.push(p.min ?? p.value);
      out.max!.push(p.max ?? p.value);
    }
    return out;
  }

  /** A cumulative counter as what it gained per bucket (bars), not as an ever-rising line. */
  function increments(d: SeriesData): SeriesData {
    const inc = counterIncrements(d.ts.map((ts, i) => ({ ts, min: d.min![i]!, max: d.max![i]! })));
    return { ts: inc.map((b) => b.ts), value: inc.map((b) => b.v) };
  }

  async function drawCharts(d: DeviceDetail, info: TemplateInfo | undefined): Promise<void> {
    const label = (f: string) => fieldLabel(info, f, labelOf);
    const numeric = Object.entries(d.latest?.fields ?? {}).filter(([, v]) => typeof v === 'number' || typeof v === 'boolean').map(([k]) => k).slice(0, 8);
    const to = Date.now();
    const from = to - range[1];
    const def = (f: string) => info?.fields.find((x) => x.name === f);
    const counter = (f: string) => def(f)?.role === 'counter';
    const results = await Promise.all(numeric.map((f) => series(f, from, to, counter(f) ? range[3] : range[2])));
    const key = `${range[0]}|${numeric.join(',')}`;
    if (key !== chartsKey) {
      for (const c of shown.values()) c.destroy();
      shown.clear();
      charts.replaceChildren();
      chartsKey = key;
    }
    numeric.forEach((f, i) => {
      const r = results[i]!;
      if (r === 'private') {
        if (!charts.querySelector(`[data-field="${f}"]`)) charts.append(h('figure', { class: 'chart', 'data-label': label(f), 'data-field': f }, h('figcaption', {}, label(f)), h('div', { class: 'chart-empty' }, t('device.private'))));
        return;
      }
      const data = counter(f) ? increments(r) : r;
      const existing = shown.get(f);
      if (existing) return existing.update(data, from, to);
      const unit = def(f)?.unit ?? unitOf(f);
      const c = timeChart(data, { label: label(f), field: f, ...(unit ? { unit } : {}), color: COLORS[i % COLORS.length]!, kind: counter(f) ? 'bars' : 'line', from, to });
      shown.set(f, c);
      charts.append(c.el);
    });
    if (numeric.length === 0 && !charts.firstChild) charts.append(h('div', { class: 'card empty-state' }, t('device.noNumeric')));
    lastCharts = Date.now();
  }

  return {
    title: id,
    everyMs: 3000,
    mount(root) {
      head = h('div', { class: 'page-head' });
      latestBox = h('div', { class: 'card', id: 'device-latest' });
      const rangeBar = h('div', { class: 'segmented', id: 'range' }, RANGES.map((r) => {
        const b = h('button', { class: r === range ? 'active' : '', type: 'button' }, t(r[0]));
        b.addEventListener('click', () => {
          range = r;
          for (const x of rangeBar.querySelectorAll('button')) x.classList.toggle('active', x === b);
          lastCharts = 0;
        });
        return b;
      }));
      charts = h('div', { class: 'charts', id: 'device-charts' });
      root.append(h('a', { href: '#/facilities', class: 'back' }, t('device.back')), head, latestBox, h('div', { class: 'section-head' }, h('h2', {}, t('device.overTime')), rangeBar), charts);
    },
    async refresh() {
      const [d, templates] = await Promise.all([getJson<DeviceDetail>(`/api/devices/${encodeURIComponent(id)}`), templateNames().catch(() => new Map<string, TemplateInfo>())]);
      const template = templates.get(d.template);
      const alarms = alarmsOf(d, template);
      const b = batteryOf(d);
      clear(head,
        h('h1', {}, h('span', { class: `dot big ${d.status}` }), d.id),
        h('div', { class: 'meta' },
          h('span', {}, template ? templateLabel(template, d.template) : d.template_info?.name ?? d.template),
          h('span', {}, t('device.place', { building: d.building ?? '–', room: d.room ?? '–' })),
          h('span', { class: `status ${d.status}`, id: 'device-status', 'data-status': d.status }, t(`device.status.${d.status}`)),
          h('span', {}, t('device.lastSeen', { ago: ago(d.last_seen) })),
          b === undefined ? null : h('span', {}, t('device.battery', { pct: b })),
        ),
        alarms.length ? h('div', { class: 'banner bad' }, t('device.alarm', { alarms: alarms.join(', ') })) : null,
        d.last_error ? h('div', { class: 'banner warn' }, t('device.lastError', { error: d.last_error })) : null,
      );
      const fields = Object.entries(d.latest?.fields ?? {});
      clear(latestBox, h('h3', {}, t('device.latest'), h('span', { class: 'muted small' }, d.latest ? ` · ${ago(d.latest.ts)}` : '')),
        fields.length === 0 ? h('p', { class: 'empty' }, t('device.noReadings'))
          : h('dl', { class: 'fields' }, fields.map(([k, v]) => h('div', { 'data-field': k }, h('dt', { title: k }, fieldLabel(template, k, labelOf)), h('dd', {}, formatValue(k, v, template?.fields.find((f) => f.name === k)?.unit))))));
      if (Date.now() - lastCharts > 10_000) await drawCharts(d, template);
    },
  };
}
