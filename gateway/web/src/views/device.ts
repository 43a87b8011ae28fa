/** One device: its status, latest fields and a chart of each numeric field over time (/api/readings). */
import { getJson, request, type Device, type FieldValue } from '../api.js';
import { lineChart, type Point } from '../chart.js';
import { ago, clear, formatValue, h, labelOf, unitOf } from '../dom.js';
import { fieldLabel, t, templateLabel, type MessageKey } from '../i18n/index.js';
import { alarmsOf, batteryOf } from '../rules.js';
import type { View } from '../view.js';
import { templateNames, type TemplateInfo } from './facilities.js';

interface DeviceDetail extends Device {
  templateInfo: { name: string; category: string; transport: string } | null;
}

const RANGES: Array<[MessageKey, number, string]> = [['range.1h', 3_600_000, '30s'], ['range.6h', 6 * 3_600_000, '3m'], ['range.24h', 86_400_000, '10m']];
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

  async function drawCharts(d: DeviceDetail, template: TemplateInfo | undefined): Promise<void> {
    const label = (f: string) => fieldLabel(template, f, labelOf);
    const numeric = Object.entries(d.latest?.fields ?? {}).filter(([, v]) => typeof v === 'number' || typeof v === 'boolean').map(([k]) => k).slice(0, 8);
    const to = Date.now();
    const from = to - range[1];
    const results = await Promise.all(numeric.map((f) => series(f, from, to)));
    clear(charts, ...numeric.map((f, i) => {
      const r = results[i]!;
      if (r === 'private') return h('figure', { class: 'chart', 'data-label': label(f), 'data-field': f }, h('figcaption', {}, label(f)), h('div', { class: 'chart-empty' }, t('device.private')));
      const chart = lineChart(r, { from, to, label: label(f), unit: template?.fields.find((x) => x.name === f)?.unit ?? unitOf(f), color: COLORS[i % COLORS.length]! });
      chart.dataset.field = f;
      return chart;
    }));
    if (numeric.length === 0) charts.append(h('div', { class: 'card empty-state' }, t('device.noNumeric')));
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
          h('span', {}, template ? templateLabel(template, d.template) : d.templateInfo?.name ?? d.template),
          h('span', {}, t('device.place', { building: d.building ?? '–', room: d.room ?? '–' })),
          h('span', { class: `status ${d.status}`, id: 'device-status', 'data-status': d.status }, t(`device.status.${d.status}`)),
          h('span', {}, t('device.lastSeen', { ago: ago(d.lastSeen) })),
          b === undefined ? null : h('span', {}, t('device.battery', { pct: b })),
        ),
        alarms.length ? h('div', { class: 'banner bad' }, t('device.alarm', { alarms: alarms.join(', ') })) : null,
        d.lastError ? h('div', { class: 'banner warn' }, t('device.lastError', { error: d.lastError })) : null,
      );
      const fields = Object.entries(d.latest?.fields ?? {});
      clear(latestBox, h('h3', {}, t('device.latest'), h('span', { class: 'muted small' }, d.latest ? ` · ${ago(d.latest.ts)}` : '')),
        fields.length === 0 ? h('p', { class: 'empty' }, t('device.noReadings'))
          : h('dl', { class: 'fields' }, fields.map(([k, v]) => h('div', { 'data-field': k }, h('dt', { title: k }, fieldLabel(template, k, labelOf)), h('dd', {}, formatValue(k, v, template?.fields.find((f) => f.name === k)?.unit))))));
      if (Date.now() - lastCharts > 10_000) await drawCharts(d, template);
    },
  };
}
