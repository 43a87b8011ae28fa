/**
 * Time-series charts drawn by uPlot (bundled into app.js, nothing from a CDN; it sets element
 * styles through CSSOM, which the CSP allows, and its stylesheet is served as /uplot.css).
 * A line with a min/max band (each bucket's spread when zoomed out), or bars of a cumulative
 * counter's increments per bucket. Hover shows the values in the legend; drag across to zoom,
 * double-click to zoom out. The figure keeps its uPlot instance as `.uplot` (the browser tests
 * read its data and scales).
 */
import uPlot from 'uplot';
import { axisWidth, tickLabels, yRange } from './chart-scale.js';
import { h } from './dom.js';
import { siteClock, siteDateTime, siteMonthDay } from './site-time.js';
import { t } from './i18n/index.js';

export interface SeriesData {
  /** Epoch ms per bucket or point. */
  ts: number[];
  value: number[];
  /** Per bucket, when the API answered agg=minmax. */
  min?: number[];
  max?: number[];
}

export interface TimeChartOptions {
  label: string;
  field: string;
  unit?: string;
  color: string;
  /** `line` (a gauge) or `bars` (increments of a counter per bucket). */
  kind: 'line' | 'bars';
  from: number;
  to: number;
}

export interface TimeChart {
  el: HTMLElement & { uplot?: uPlot };
  update(data: SeriesData, from: number, to: number): void;
  destroy(): void;
}

const HEIGHT = 190;
const live = new Set<TimeChart>();

function aligned(d: SeriesData): uPlot.AlignedData {
  const xs = d.ts.map((t) => t / 1000);
  return d.min && d.max ? [xs, d.value, d.min, d.max] : [xs, d.value];
}

function fmtValue(v: number | null | undefined, unit: string | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  const text = a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
  return unit ? `${text} ${unit}` : text;
}

function options(o: TimeChartOptions, width: number, banded: boolean, onZoom: () => void): uPlot.Options {
  const bars = o.kind === 'bars';
  const series: uPlot.Series[] = [
    { value: (_u, t) => (t === null ? '–' : siteDateTime(t * 1000)) },
    {
      label: bars ? t('chart.bucketLegend', { label: o.label }) : o.label, stroke: o.color, width: bars ? 1 : 1.8, fill: bars ? o.color : `${o.color}1a`,
      value: (_u, v) => fmtValue(v, o.unit), spanGaps: false,
      ...(bars ? { paths: uPlot.paths.bars!({ size: [0.7, 60] }), points: { show: false } } : {}),
    },
  ];
  if (banded) series.push({ label: t('chart.min'), stroke: `${o.color}55`, width: 1, value: (_u, v) => fmtValue(v, o.unit) }, { label: t('chart.max'), stroke: `${o.color}55`, width: 1, value: (_u, v) => fmtValue(v, o.unit) });
  return {
    width, height: HEIGHT,
    scales: {
      x: { time: true },
      y: { range: (_u, min, max) => (bars ? [0, max > 0 ? max * 1.1 : 1] : yRange(min, max)) },
    },
    axes: [
      { values: (u, splits) => splits.map((t) => ((u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0) > 2 * 86_400 ? siteMonthDay(t * 1000) : siteClock(t * 1000))), stroke: '#64748b', grid: { stroke: '#eef2f6' } },
      {
        values: (_u, splits, _i, _space, incr) => tickLabels(splits, incr), size: (_u, values) => axisWidth(values ?? []),
        stroke: '#64748b', grid: { stroke: '#eef2f6' },
      },
    ],
    series,
    ...(banded ? { bands: [{ series: [3, 2] as [number, number], fill: `${o.color}22` }] } : {}),
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    hooks: { setSelect: [(u) => { if (u.select.width > 0) onZoom(); }] },
  };
}

/** Destroys the charts whose page was left (uPlot holds window listeners until destroy()). */
function sweep(): void {
  for (const c of live) if (!c.el.isConnected) c.destroy();
}

export function timeChart(data: SeriesData, o: TimeChartOptions): TimeChart {
  sweep();
  const el: TimeChart['el'] = h('figure', { class: 'chart', 'data-label': o.label, 'data-field': o.field, 'data-kind': o.kind },
    h('figcaption', {}, o.label, o.unit ? h('span', { class: 'unit' }, ` · ${o.unit}${o.kind === 'bars' ? t('chart.perBucket') : ''}`) : null));
  const empty = h('div', { class: 'chart-empty' }, t('chart.noData'));
  const plotBox = h('div', { class: 'chart-plot' });
  el.append(plotBox, empty);
  let u: uPlot | undefined;
  let banded = false;
  let resize: ResizeObserver | undefined;
  let follow = true;
  plotBox.addEventListener('dblclick', () => { follow = true; });

  const chart: TimeChart = {
    el,
    update(d, from, to) {
      empty.hidden = d.ts.length > 0;
      plotBox.hidden = d.ts.length === 0;
      const wantBand = o.kind === 'line' && d.min !== undefined && d.max !== undefined;
      if (u && wantBand !== banded) { u.destroy(); u = undefined; }
      banded = wantBand;
      if (!u) {
        u = new uPlot(options(o, Math.max(280, plotBox.clientWidth || 520), banded, () => { follow = false; }), aligned(d), plotBox);
        u.setScale('x', { min: from / 1000, max: to / 1000 });
        el.uplot = u;
        resize ??= new ResizeObserver(() => { if (u && plotBox.clientWidth > 0) u.setSize({ width: plotBox.clientWidth, height: HEIGHT }); });
        resize.observe(plotBox);
        return;
      }
      // Keep the user's zoom across live updates (until a double-click zooms out); otherwise follow the range.
      const { min, max } = u.scales.x ?? {};
      u.setData(aligned(d), false);
      u.setScale('x', follow || min === undefined || max === undefined ? { min: from / 1000, max: to / 1000 } : { min, max });
    },
    destroy() {
      resize?.disconnect();
      u?.destroy();
      u = undefined;
      live.delete(chart);
    },
  };
  live.add(chart);
  chart.update(data, o.from, o.to);
  return chart;
}
