/** SVG charts drawn here (no chart library, nothing from a CDN): a time line and daily bars. */
import { h, s } from './dom.js';
import { t } from './i18n/index.js';
import { siteClock, siteMonthDay } from './site-time.js';

export interface Point { t: number; v: number }

const W = 560;
const H = 180;
const PAD = { l: 44, r: 12, t: 12, b: 26 };

function niceRange(min: number, max: number): [number, number] {
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    return [min - pad, max + pad];
  }
  const pad = (max - min) * 0.08;
  return [min - pad, max + pad];
}

function fmt(v: number, step = 0): string {
  const a = Math.abs(v);
  if (a >= 1000 && step >= 100) return `${(v / 1000).toFixed(1)}k`;
  // Enough decimals that neighbouring ticks differ.
  const decimals = step > 0 ? Math.min(4, Math.max(0, 1 - Math.floor(Math.log10(step)))) : a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return v.toFixed(decimals);
}

function clock(t: number, spanMs: number): string {
  return spanMs > 2 * 86_400_000 ? siteMonthDay(t) : siteClock(t);
}

export function lineChart(points: Point[], opts: { from: number; to: number; label: string; unit?: string; color?: string }): HTMLElement {
  const box = h('figure', { class: 'chart', 'data-label': opts.label }, h('figcaption', {}, opts.label, opts.unit ? h('span', { class: 'unit' }, ` · ${opts.unit}`) : null));
  if (points.length === 0) {
    box.append(h('div', { class: 'chart-empty' }, t('chart.noData')));
    return box;
  }
  const [lo, hi] = niceRange(Math.min(...points.map((p) => p.v)), Math.max(...points.map((p) => p.v)));
  const x = (t: number) => PAD.l + ((t - opts.from) / Math.max(1, opts.to - opts.from)) * (W - PAD.l - PAD.r);
  const y = (v: number) => PAD.t + (1 - (v - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': opts.label });
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    svg.append(s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: 'grid' }), s('text', { x: PAD.l - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, fmt(v, (hi - lo) / 4)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = opts.from + ((opts.to - opts.from) * i) / 4;
    svg.append(s('text', { x: x(t), y: H - 8, class: 'tick', 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, clock(t, opts.to - opts.from)));
  }
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const color = opts.color ?? '#2563eb';
  svg.append(
    s('path', { d: `${path} L${x(last.t).toFixed(1)},${y(lo)} L${x(first.t).toFixed(1)},${y(lo)} Z`, fill: color, 'fill-opacity': 0.1, stroke: 'none' }),
    s('path', { d: path, fill: 'none', stroke: color, 'stroke-width': 1.8, 'stroke-linejoin': 'round', class: 'series' }),
    s('circle', { cx: x(last.t), cy: y(last.v), r: 3, fill: color }),
  );
  box.append(svg);
  return box;
}

export function barChart(bars: Array<{ label: string; v: number }>, opts: { label: string; unit: string; color?: string }): HTMLElement {
  const box = h('figure', { class: 'chart' }, h('figcaption', {}, opts.label));
  const max = Math.max(1e-9, ...bars.map((b) => b.v));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': opts.label });
  const slot = (W - PAD.l - PAD.r) / Math.max(1, bars.length);
  const y = (v: number) => PAD.t + (1 - v / max) * (H - PAD.t - PAD.b);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: 'grid' }), s('text', { x: PAD.l - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, fmt(v, max / 4)));
  }
  bars.forEach((b, i) => {
    const x0 = PAD.l + i * slot + slot * 0.15;
    const bar = s('rect', { x: x0, y: y(b.v), width: slot * 0.7, height: Math.max(0, y(0) - y(b.v)), rx: 2, fill: opts.color ?? '#0f766e', class: 'bar' });
    bar.append(s('title', {}, `${b.label}: ${fmt(b.v)} ${opts.unit}`));
    svg.append(bar, s('text', { x: x0 + slot * 0.35, y: H - 8, class: 'tick', 'text-anchor': 'middle' }, b.label));
  });
  box.append(svg);
  return box;
}
