/** The district's daily bars, in SVG (the device charts over time are uPlot: time-chart.ts). */
import { h, s } from './dom.js';

const W = 560;
const H = 180;
const PAD = { l: 44, r: 12, t: 12, b: 26 };

function fmt(v: number, step = 0): string {
  const a = Math.abs(v);
  if (a >= 1000 && step >= 100) return `${(v / 1000).toFixed(1)}k`;
  // Enough decimals that neighbouring ticks differ.
  const decimals = step > 0 ? Math.min(4, Math.max(0, 1 - Math.floor(Math.log10(step)))) : a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return v.toFixed(decimals);
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
