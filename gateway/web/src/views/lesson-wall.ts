/**
 * The handwriting wall: one tile per student with a pen, drawing the page being written as strokes
 * arrive on the session stream (`/api/sessions/:id/stream`, `pen` events, numbered strokes). A click
 * enlarges a tile and replays its page's strokes in order. Each tile counts what it drew in
 * `data-strokes-drawn` and tells `wall-drawn` (detail: device, stroke, at) after every stroke it drew,
 * so a test can read what the wall shows without reading pixels.
 */
import { ago, clear, h } from '../dom.js';
import { t } from '../i18n/index.js';

export type WallPoint = [number, number, number | null, number];
export interface WallStroke { n: number; pts: WallPoint[] }
export interface PenEvent { device: string; page: string; strokes: WallStroke[] }
export interface LiveRow { device: string; student: string; template: string; connected: boolean; last_seen: string | null }

/** The page the wall draws on: A4 in mm (a point beyond grows the page). */
const PAGE_MM = { w: 210, h: 297 };

interface Tile {
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  status: HTMLElement;
  page: string;
  strokes: WallStroke[];
  drawn: Set<number>;
  student: string;
}

function drawStroke(ctx: CanvasRenderingContext2D, s: WallStroke, from: number, scale: number): void {
  ctx.beginPath();
  const start = s.pts[Math.max(0, from - 1)];
  if (!start) return;
  ctx.moveTo(start[0] * scale, start[1] * scale);
  for (let i = Math.max(1, from); i < s.pts.length; i++) {
    const p = s.pts[i]!;
    ctx.lineWidth = Math.max(1, ((p[2] ?? 512) / 1023) * 2.5 * (scale / 1.2));
    ctx.lineTo(p[0] * scale, p[1] * scale);
  }
  if (s.pts.length === 1) ctx.lineTo(start[0] * scale + 0.5, start[1] * scale + 0.5);
  ctx.stroke();
}

function pen(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; scale: number } {
  const ctx = canvas.getContext('2d')!;
  ctx.strokeStyle = '#1e3a8a';
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  return { ctx, scale: Math.min(canvas.width / PAGE_MM.w, canvas.height / PAGE_MM.h) };
}

export interface Wall {
  element: HTMLElement;
  /** Strokes from the stream (snapshot or live). */
  pens(events: readonly PenEvent[]): void;
  /** Who is on the roster and connected (the live view, every 2 s). */
  roster(rows: readonly LiveRow[], strokes: ReadonlyMap<string, number>): void;
}

export function createWall(isPen: (template: string) => boolean): Wall {
  const tiles = new Map<string, Tile>();
  const grid = h('div', { class: 'wall', id: 'wall' });
  const element = h('section', { class: 'card' }, h('h2', {}, t('lesson.wall')), grid);

  function tileFor(device: string, student: string): Tile {
    let tile = tiles.get(device);
    if (tile) return tile;
    const canvas = h('canvas', { width: 210, height: 297, class: 'wall-page' });
    const status = h('div', { class: 'muted small tile-status' });
    const el = h('div', { class: 'tile wall-tile', 'data-device': device, 'data-student': student, 'data-strokes-drawn': 0, tabindex: 0, role: 'button', title: t('lesson.enlarge') },
      h('div', { class: 'tile-name' }, student), canvas, status);
    tile = { el, canvas, status, page: '', strokes: [], drawn: new Set(), student };
    const open = () => replay(tiles.get(device)!);
    el.addEventListener('click', open);
    el.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    tiles.set(device, tile);
    grid.append(el);
    return tile;
  }

  function add(tile: Tile, e: PenEvent): void {
    const { ctx, scale } = pen(tile.canvas);
    if (e.page !== tile.page) {
      // a new page: the tile shows the page being written, from blank
      tile.page = e.page;
      tile.strokes = [];
      tile.drawn.clear();
      ctx.clearRect(0, 0, tile.canvas.width, tile.canvas.height);
      tile.el.dataset.page = e.page;
    }
    for (const s of e.strokes) {
      let mine = tile.strokes.find((x) => x.n === s.n);
      const from = mine ? mine.pts.length : 0;
      if (!mine) tile.strokes.push((mine = { n: s.n, pts: [] }));
      mine.pts.push(...s.pts);
      drawStroke(ctx, mine, from, scale);
      tile.drawn.add(s.n);
      tile.el.dataset.strokesDrawn = String(tile.drawn.size);
      tile.el.dispatchEvent(new CustomEvent('wall-drawn', { bubbles: true, detail: { device: e.device, stroke: s.n, t0: mine.pts[0]?.[3], at: Date.now() } }));
    }
  }

  /** The enlarged page, its strokes drawn again one after the other (about 3 s for the page). */
  function replay(tile: Tile): void {
    const canvas = h('canvas', { width: 630, height: 891, class: 'wall-replay', id: 'wall-replay' });
    const close = h('button', { class: 'primary' }, t('lesson.close'));
    const again = h('button', {}, t('lesson.replay'));
    const overlay = h('div', { class: 'overlay', role: 'dialog' },
      h('div', { class: 'card overlay-card' }, h('div', { class: 'section-head' }, h('h2', {}, tile.student), h('div', { class: 'actions' }, again, close)), canvas));
    close.addEventListener('click', () => overlay.remove());
    overlay.addEventListener('click', (e) => { if (e.target === overlay) overlay.remove(); });
    const run = () => {
      const { ctx, scale } = pen(canvas);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      const strokes = [...tile.strokes].sort((a, b) => a.n - b.n);
      canvas.dataset.replayed = '0';
      const perFrame = Math.max(1, Math.ceil(strokes.length / 180));
      let i = 0;
      const step = () => {
        for (let k = 0; k < perFrame && i < strokes.length; k++, i++) drawStroke(ctx, strokes[i]!, 0, scale);
        canvas.dataset.replayed = String(i);
        if (i < strokes.length && overlay.isConnected) requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    };
    again.addEventListener('click', run);
    document.body.append(overlay);
    run();
  }

  return {
    element,
    pens(events) {
      for (const e of events) {
        const tile = tiles.get(e.device);
        if (tile) add(tile, e);
      }
    },
    roster(rows, strokes) {
      for (const r of rows) {
        if (!isPen(r.template)) continue;
        const tile = tileFor(r.device, r.student);
        tile.el.dataset.connected = String(r.connected);
        clear(tile.status, h('span', { class: `dot ${r.connected ? 'online' : 'offline'}` }),
          document.createTextNode(` ${r.connected ? t('lesson.connectedAgo', { ago: ago(r.last_seen) }) : r.last_seen ? t('lesson.silentAgo', { ago: ago(r.last_seen) }) : t('lesson.noData')} · ${t('lesson.strokes', { n: strokes.get(r.student) ?? 0 })}`));
      }
      if (tiles.size === 0 && grid.childElementCount === 0) grid.append(h('div', { class: 'empty' }, t('lesson.noPens')));
      if (tiles.size > 0) grid.querySelector(':scope > .empty')?.remove();
    },
  };
}
