/**
 * The PE view: one tile per student with a band, the heart rate coloured by zone (the zones the PE
 * summary uses, from the live view), minutes per zone, a class-wide MVPA bar, and a clear mark when
 * a band is off the wrist or not connected (no data within its template's report interval).
 * Heart rates come from the session stream (`heart` events) as they arrive; minutes from the live view.
 */
import { ago, clear, h } from '../dom.js';
import { num, t } from '../i18n/index.js';
import type { LiveRow } from './lesson-wall.js';

export interface HeartEvent { device: string; ts: number; bpm: number; zone: number; worn: boolean }
export interface StudentRow {
  student: string; devices: string[]; heart_rate_last_bpm: number | null; zone_last: number | null; off_wrist: boolean; zone_min: number[]; mvpa_min: number;
}

interface Tile { el: HTMLElement; bpm: HTMLElement; badge: HTMLElement; zones: HTMLElement; status: HTMLElement }

export interface PeView {
  element: HTMLElement;
  hearts(events: readonly HeartEvent[]): void;
  update(rows: readonly LiveRow[], students: readonly StudentRow[], zones: { bounds: number[]; mvpa_from_zone: number }, elapsedMin: number): void;
}

export function createPeView(isBand: (template: string) => boolean): PeView {
  const tiles = new Map<string, Tile>();
  const grid = h('div', { class: 'pe-grid', id: 'pe' });
  const bar = h('div', { class: 'mvpa-fill', id: 'mvpa-fill' });
  const barText = h('div', { class: 'muted small', id: 'mvpa-text' });
  const element = h('section', { class: 'card' }, h('h2', {}, t('lesson.pe')),
    h('div', { class: 'mvpa' }, h('div', { class: 'mvpa-label' }, t('lesson.classMvpa')), h('div', { class: 'mvpa-bar' }, bar), barText), grid);

  function show(tile: Tile, bpm: number | null, zone: number | null, offWrist: boolean): void {
    tile.bpm.textContent = bpm === null ? '–' : num(bpm, 0);
    tile.el.dataset.zone = zone === null ? '' : String(zone);
    tile.el.dataset.offWrist = String(offWrist);
    tile.el.className = `tile pe-tile ${zone === null || offWrist ? 'zone-none' : `zone-${zone}`}${offWrist ? ' off-wrist' : ''}`;
    tile.badge.textContent = offWrist ? t('lesson.offWrist') : zone === null ? '' : t('lesson.zone', { n: zone });
  }

  return {
    element,
    hearts(events) {
      for (const e of events) {
        const tile = tiles.get(e.device);
        if (tile) show(tile, e.bpm, e.zone, !e.worn);
      }
    },
    update(rows, students, zones, elapsedMin) {
      const byStudent = new Map(students.map((s) => [s.student, s]));
      for (const r of rows) {
        if (!isBand(r.template)) continue;
        let tile = tiles.get(r.device);
        if (!tile) {
          const bpm = h('div', { class: 'pe-bpm' }, '–');
          const badge = h('div', { class: 'pe-badge' });
          const zonesEl = h('div', { class: 'pe-zones small' });
          const status = h('div', { class: 'muted small tile-status' });
          const el = h('div', { class: 'tile pe-tile zone-none', 'data-device': r.device, 'data-student': r.student },
            h('div', { class: 'tile-name' }, r.student), h('div', { class: 'pe-row' }, bpm, h('span', { class: 'muted small' }, t('lesson.bpm'))), badge, zonesEl, status);
          tiles.set(r.device, (tile = { el, bpm, badge, zones: zonesEl, status }));
          grid.append(el);
        }
        const s = byStudent.get(r.student);
        if (s) {
          show(tile, s.heart_rate_last_bpm, s.zone_last, s.off_wrist);
          clear(tile.zones, ...s.zone_min.map((m, i) => h('span', { class: `zone-chip zone-${i + 1}`, title: t('lesson.zone', { n: i + 1 }) }, num(m, 1))));
        }
        tile.el.dataset.connected = String(r.connected);
        tile.el.classList.toggle('offline', !r.connected);
        clear(tile.status, h('span', { class: `dot ${r.connected ? 'online' : 'offline'}` }),
          document.createTextNode(` ${r.connected ? t('lesson.connectedAgo', { ago: ago(r.last_seen) }) : r.last_seen ? t('lesson.offlineAgo', { ago: ago(r.last_seen) }) : t('lesson.noData')}`));
      }
      if (tiles.size === 0) clear(grid, h('div', { class: 'empty' }, t('lesson.noBands')));
      // class-wide: mean MVPA minutes per student with a band, as a share of the lesson so far
      const banded = students.filter((s) => s.devices.some((d) => tiles.has(d)));
      const mean = banded.length ? banded.reduce((a, s) => a + s.mvpa_min, 0) / banded.length : 0;
      const share = elapsedMin > 0 ? Math.min(1, mean / elapsedMin) : 0;
      bar.classList.toggle('good', share >= 0.5);
      bar.style.width = `${Math.round(share * 100)}%`;
      element.dataset.mvpaMin = String(mean);
      barText.textContent = t('lesson.mvpaText', { min: num(mean, 1), pct: Math.round(share * 100), from: zones.bounds[zones.mvpa_from_zone - 2] ?? 0 });
    },
  };
}
