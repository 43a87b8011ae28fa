/** The district's daily bars, in SVG (the device charts over time are uPlot: time-chart.ts). */
import { niceStep, tickLabels } from './chart-scale.js';
import { h, s } from './dom.js';

const W = 560;
const H = 180;
const PAD = { l: 44, r: 12, t: 12, b: 26 };

export function barChart(bars: Array<{ label: string; v: number }>, opts: { label: string; unit: string; color?: string }): HTMLElement {
  const box = h('figure', { class: 'chart' }, h('figcaption', {}, opts.label));
  // Round ticks (0, 0.05, 0.10, …) up to the first one above the tallest bar.
  const step = niceStep(Math.max(0, ...bars.map((b) => b.v)));
  const ticks = Math.max(1, Math.ceil(Math.max(0, ...bars.map((b) => b.v)) / step - 1e-9));
  const max = step * ticks;
  const labels = tickLabels(Array.from({ length: ticks + 1 }, (_, i) => i * step), step);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': opts.label });
  const slot = (W - PAD.l - PAD.r) / Math.max(1, bars.length);
  const y = (v: number) => PAD.t + (1 - v / max) * (H - PAD.t - PAD.b);
  for (let i = 0; i <= ticks; i++) {
    const v = i * step;
    svg.append(s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: 'grid' }), s('text', { x: PAD.l - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, labels[i]!));
  }
  bars.forEach((b, i) => {
    const x0 = PAD.l + i * slot + slot * 0.15;
    const bar = s('rect', { x: x0, y: y(b.v), width: slot * 0.7, height: Math.max(0, y(0) - y(b.v)), rx: 2, fill: opts.color ?? '#0f766e', class: 'bar' });
    bar.append(s('title', {}, `${b.label}: ${tickLabels([b.v], step / 10)[0]!} ${opts.unit}`));
    svg.append(bar, s('text', { x: x0 + slot * 0.35, y: H - 8, class: 'tick', 'text-anchor': 'middle' }, b.label));
  });
  box.append(svg);
  return box;
}
