/** One device: its status, latest fields and a chart of each numeric field over time (/api/readings). */
import { getJson, request, type Device, type FieldValue } from '../api.js';
import { lineChart, type Point } from '../chart.js';
import { ago, clear, formatValue, h, labelOf, unitOf } from '../dom.js';
import { alarmsOf, batteryOf } from '../rules.js';
import type { View } from '../view.js';
import { templateNames, type TemplateInfo } from './facilities.js';

interface DeviceDetail extends Device {
  template_info: { name: string; category: string; transport: string } | null;
}

const RANGES: Array<[string, number, string]> = [['1 h', 3_600_000, '30s'], ['6 h', 6 * 3_600_000, '3m'], ['24 h', 86_400_000, '10m']];
const COLORS = ['#2563eb', '#0f766e', '#b45309', '#7c3aed', '#be123c', '#0369a1', '#4d7c0f', '#a21caf'];

export function deviceView(id: string): View {
  let head: HTMLElement;
  let latestBox: HTMLElement;
  let charts: HTMLElement;
  let range = RANGES[0]!;
  let lastCharts = 0;

  async function series(field: string, from: number, to: number): Promise<Point[] | 'private'> {
    const q = new URLSearchParams({ device: id, field, from: String(from), to: String(to), every: range[2] });
    const res = await request(`/api/readings?${q}`);
    if (res.status === 403) return 'private';
    if (!res.ok) return [];
    const body = (await res.json()) as { points: Array<{ ts: string; value: FieldValue }> };
    return body.points.filter((p) => typeof p.value === 'number').map((p) => ({ t: Date.parse(p.ts), v: p.value as number }));
  }

  async function drawCharts(d: DeviceDetail): Promise<void> {
    const numeric = Object.entries(d.latest?.fields ?? {}).filter(([, v]) => typeof v === 'number' || typeof v === 'boolean').map(([k]) => k).slice(0, 8);
    const to = Date.now();
    const from = to - range[1];
    const results = await Promise.all(numeric.map((f) => series(f, from, to)));
    clear(charts, ...numeric.map((f, i) => {
      const r = results[i]!;
      if (r === 'private') return h('figure', { class: 'chart', 'data-label': labelOf(f) }, h('figcaption', {}, labelOf(f)), h('div', { class: 'chart-empty' }, 'personal data: not shown to this role'));
      return lineChart(r, { from, to, label: labelOf(f), unit: unitOf(f), color: COLORS[i % COLORS.length]! });
    }));
    if (numeric.length === 0) charts.append(h('div', { class: 'card empty-state' }, 'No numeric fields to chart yet.'));
    lastCharts = Date.now();
  }

  return {
    title: id,
    everyMs: 3000,
    mount(root) {
      head = h('div', { class: 'page-head' });
      latestBox = h('div', { class: 'card', id: 'device-latest' });
      const rangeBar = h('div', { class: 'segmented', id: 'range' }, RANGES.map((r) => {
        const b = h('button', { class: r === range ? 'active' : '', type: 'button' }, r[0]);
        b.addEventListener('click', () => {
          range = r;
          for (const x of rangeBar.querySelectorAll('button')) x.classList.toggle('active', x === b);
          lastCharts = 0;
        });
        return b;
      }));
      charts = h('div', { class: 'charts', id: 'device-charts' });
      root.append(h('a', { href: '#/facilities', class: 'back' }, '← All devices'), head, latestBox, h('div', { class: 'section-head' }, h('h2', {}, 'Over time'), rangeBar), charts);
    },
    async refresh() {
      const [d, templates] = await Promise.all([getJson<DeviceDetail>(`/api/devices/${encodeURIComponent(id)}`), templateNames().catch(() => new Map<string, TemplateInfo>())]);
      const alarms = alarmsOf(d, templates.get(d.template));
      const b = batteryOf(d);
      clear(head,
        h('h1', {}, h('span', { class: `dot big ${d.status}` }), d.id),
        h('div', { class: 'meta' },
          h('span', {}, d.template_info?.name ?? templates.get(d.template)?.name ?? d.template),
          h('span', {}, `building ${d.building ?? '–'} · room ${d.room ?? '–'}`),
          h('span', { class: `status ${d.status}`, id: 'device-status' }, d.status),
          h('span', {}, `last seen ${ago(d.last_seen)}`),
          b === undefined ? null : h('span', {}, `battery ${b}%`),
        ),
        alarms.length ? h('div', { class: 'banner bad' }, `Alarm: ${alarms.join(', ')}`) : null,
        d.last_error ? h('div', { class: 'banner warn' }, `Last error: ${d.last_error}`) : null,
      );
      const fields = Object.entries(d.latest?.fields ?? {});
      clear(latestBox, h('h3', {}, 'Latest values', h('span', { class: 'muted small' }, d.latest ? ` · ${ago(d.latest.ts)}` : '')),
        fields.length === 0 ? h('p', { class: 'empty' }, 'No readings yet.')
          : h('dl', { class: 'fields' }, fields.map(([k, v]) => h('div', { 'data-field': k }, h('dt', { title: k }, labelOf(k)), h('dd', {}, formatValue(k, v, templates.get(d.template)?.fields.find((f) => f.name === k)?.unit))))));
      if (Date.now() - lastCharts > 10_000) await drawCharts(d);
    },
  };
}
