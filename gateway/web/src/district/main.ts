/**
 * The hub's district page (served at / by the hub): every school's energy per day and per
 * building, this week vs last, ranking by energy per student, lights left on after hours,
 * smart-board hours, CO₂ minutes, devices online/offline, alarms (polled every 10 s), silent
 * schools, and a CSV per school per month. `?screen=big`: the wall-display layout, no controls,
 * refreshed on its own. `?lang=en`: English (default 中文).
 */
import { AuthRequired, getJson, setToken } from '../api.js';
import { clear, h } from '../dom.js';
import { change, lastDays, rank, round, sumDays, type DayFigures, type SchoolRow } from './figures.js';
import { pickLang, translator, type Lang } from './i18n.js';

interface School {
  id: string; name: string; silent: boolean; last_received_at: string | null;
  outbox: { queued: number; oldest_s: number | null } | null;
  last_alarm: { alarm: string; state: string; template: string; at: string } | null;
}
interface Overview {
  time_zone: string;
  schools: School[];
  days: Record<string, Record<string, DayFigures>>;
  buildings: Record<string, Record<string, Record<string, number>>>;
  facts: Record<string, { devices_online: number | null; devices_offline: number | null; students: number | null; floor_area_m2: number | null }>;
}
interface Alarm { id: string; site: string; template: string; device: string; room?: string; alarm: string; value: string; state: 'raised' | 'cleared'; at: string }

const query = new URLSearchParams(location.search);
const big = query.get('screen') === 'big';
const lang: Lang = pickLang(query, localStorage.getItem('campus-district-lang'));
const t = translator(lang);
document.documentElement.lang = lang;
document.title = t('hub.title');
if (big) document.body.classList.add('big');
const root = document.getElementById('district')!;
const nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
const nf3 = new Intl.NumberFormat(lang, { maximumSignificantDigits: 3 });
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : nf.format(v));
/** Small ratios (kWh per student, per m²): three significant digits. */
const fmtRatio = (v: number | null | undefined) => (v === null || v === undefined ? '–' : nf3.format(v));
const timeOf = (iso: string, tz: string) => new Intl.DateTimeFormat(lang, { timeZone: tz, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(Date.parse(iso));
let tz = 'Asia/Shanghai';

function tokenForm(): HTMLElement {
  const input = h('input', { type: 'password', id: 'token', placeholder: t('hub.tokenPrompt') });
  return h('form', { class: 'card token', onsubmit: (e: Event) => { e.preventDefault(); setToken(input.value.trim()); void refresh(); } }, input, h('button', { type: 'submit' }, t('hub.tokenSave')));
}

function schoolRows(o: Overview): SchoolRow[] {
  const days = lastDays(14, o.time_zone);
  const week = days.slice(7);
  const prev = days.slice(0, 7);
  return o.schools.map((s) => {
    const thisWeek = sumDays(o.days[s.id], week);
    const f = o.facts[s.id];
    return {
      id: s.id, name: s.name, silent: s.silent, today: o.days[s.id]?.[days.at(-1)!]?.energy_kwh ?? 0, thisWeek, lastWeekKwh: sumDays(o.days[s.id], prev).energy_kwh,
      perStudent: f?.students ? thisWeek.energy_kwh / f.students : null, perM2: f?.floor_area_m2 ? thisWeek.energy_kwh / f.floor_area_m2 : null,
    };
  });
}

function kpis(o: Overview, alarms: readonly Alarm[]): HTMLElement {
  const online = Object.values(o.facts).reduce((n, f) => n + (f.devices_online ?? 0), 0);
  const offline = Object.values(o.facts).reduce((n, f) => n + (f.devices_offline ?? 0), 0);
  const open = new Map<string, string>();
  for (const a of [...alarms].reverse()) open.set(`${a.site}|${a.device}|${a.alarm}`, a.state);
  const tile = (label: string, value: number, cls = '') => h('div', { class: `kpi ${cls}` }, h('div', { class: 'kpi-value' }, fmt(value)), h('div', { class: 'kpi-label' }, label));
  return h('div', { class: 'kpis' }, tile(t('hub.schools'), o.schools.length), tile(t('hub.silent'), o.schools.filter((s) => s.silent).length, 'bad'),
    tile(t('hub.devicesOnline'), online, 'good'), tile(t('hub.devicesOffline'), offline, 'warn'), tile(t('hub.activeAlarms'), [...open.values()].filter((s) => s === 'raised').length, 'bad'));
}

function schoolsTable(o: Overview, rows: readonly SchoolRow[]): HTMLElement {
  const month = lastDays(1, o.time_zone)[0]!.slice(0, 7);
  const byId = new Map(o.schools.map((s) => [s.id, s]));
  return h('div', { class: 'card' }, h('table', { class: 'table', id: 'schools' },
    h('thead', {}, h('tr', {}, ...[t('hub.school'), t('hub.status'), t('hub.today'), t('hub.thisWeek'), t('hub.lastWeek'), t('hub.change'), t('hub.perStudent'), t('hub.perM2'), t('hub.leftOn'), t('hub.board'), t('hub.co2'), t('hub.online'), t('hub.backlog'), t('hub.lastAlarm'), big ? null : t('hub.export')]
      .filter((x) => x !== null).map((x, i) => h('th', { class: i >= 2 && i <= 12 ? 'num' : '' }, x)))),
    h('tbody', {}, ...rows.map((r) => {
      const s = byId.get(r.id)!;
      const f = o.facts[r.id];
      const ch = change(r.thisWeek.energy_kwh, r.lastWeekKwh);
      return h('tr', { 'data-site': r.id },
        h('td', {}, r.name), h('td', {}, h('span', { class: `pill ${r.silent ? 'degraded' : 'ok'}` }, r.silent ? t('hub.silentPill') : t('hub.ok'))),
        h('td', { class: 'num' }, fmt(r.today)), h('td', { class: 'num energy-week' }, fmt(round(r.thisWeek.energy_kwh))), h('td', { class: 'num' }, fmt(round(r.lastWeekKwh))),
        h('td', { class: 'num' }, ch === null ? '–' : `${ch > 0 ? '+' : ''}${ch}%`), h('td', { class: 'num' }, fmtRatio(r.perStudent)), h('td', { class: 'num' }, fmtRatio(r.perM2)),
        h('td', { class: 'num' }, fmt(round(r.thisWeek.left_on_min))), h('td', { class: 'num' }, fmt(round(r.thisWeek.board_on_min / 60))), h('td', { class: 'num' }, fmt(round(r.thisWeek.co2_high_min))),
        h('td', { class: 'num' }, `${fmt(f?.devices_online)} / ${fmt(f?.devices_offline)}`), h('td', { class: 'num' }, fmt(s.outbox?.queued)),
        h('td', {}, s.last_alarm ? `${s.last_alarm.template} ${s.last_alarm.alarm} (${t(s.last_alarm.state === 'raised' ? 'hub.raised' : 'hub.cleared')})` : t('hub.none')),
        big ? null : h('td', {}, h('a', { href: `/api/district/export.csv?site=${encodeURIComponent(r.id)}&month=${month}&lang=${lang}`, download: `${r.id}-${month}.csv`, class: 'export' }, t('hub.csv'))));
    }))));
}

function ranking(rows: readonly SchoolRow[]): HTMLElement {
  const ranked = rank(rows).filter((r) => r.perStudent !== null || r.perM2 !== null);
  const max = Math.max(...ranked.map((r) => r.perStudent ?? 0), 0.001);
  return h('div', { class: 'card' }, h('h2', {}, t('hub.rankTitle')), h('p', { class: 'muted small' }, t('hub.rankNote')),
    ranked.length === 0 ? h('p', { class: 'muted' }, t('hub.noData')) : h('ol', { class: 'rank', id: 'rank' }, ...ranked.map((r) => h('li', {},
      h('span', { class: 'rank-name' }, r.name), h('span', { class: 'bar', style: `width:${Math.round(((r.perStudent ?? 0) / max) * 100)}%` }),
      h('span', { class: 'rank-value' }, r.perStudent !== null ? `${fmtRatio(r.perStudent)} ${t('hub.kwh')}` : `${fmtRatio(r.perM2)} ${t('hub.kwhPerM2')}`)))));
}

function daily(o: Overview): HTMLElement {
  const days = lastDays(7, o.time_zone);
  return h('div', { class: 'card wide' }, h('h2', {}, t('hub.dailyTitle')), h('table', { class: 'table', id: 'daily' },
    h('thead', {}, h('tr', {}, h('th', {}, t('hub.school')), ...days.map((d) => h('th', { class: 'num' }, d.slice(5))))),
    h('tbody', {}, ...o.schools.map((s) => h('tr', {}, h('td', {}, s.name), ...days.map((d) => h('td', { class: 'num' }, fmt(o.days[s.id]?.[d]?.energy_kwh))))))));
}

function buildings(o: Overview): HTMLElement {
  const week = lastDays(7, o.time_zone);
  const items = o.schools.map((s) => ({ school: s.name, buildings: Object.entries(o.buildings[s.id] ?? {}).map(([b, byDay]) => ({ b, kwh: round(week.reduce((n, d) => n + (byDay[d] ?? 0), 0)) })) }))
    .filter((i) => i.buildings.length > 0);
  return h('div', { class: 'card' }, h('h2', {}, t('hub.buildingsTitle')), items.length === 0 ? h('p', { class: 'muted' }, t('hub.noData'))
    : h('table', { class: 'table', id: 'buildings' }, h('tbody', {}, ...items.map((i) => h('tr', {}, h('td', {}, i.school),
      h('td', {}, ...i.buildings.map((b) => h('span', { class: 'chip' }, `${t('hub.building')} ${b.b} `, h('b', {}, fmt(b.kwh))))))))));
}

function alarmsCard(o: Overview, alarms: readonly Alarm[]): HTMLElement {
  const names = new Map(o.schools.map((s) => [s.id, s.name]));
  return h('div', { class: 'card' }, h('h2', {}, t('hub.alarmsTitle')), alarms.length === 0 ? h('p', { class: 'muted' }, t('hub.none'))
    : h('ul', { class: 'alarms', id: 'alarms' }, ...alarms.slice(0, big ? 12 : 30).map((a) => h('li', { class: a.state },
      h('span', { class: `pill ${a.state === 'raised' ? 'degraded' : 'ok'}` }, t(a.state === 'raised' ? 'hub.raised' : 'hub.cleared')), ` ${timeOf(a.at, tz)} · ${names.get(a.site) ?? a.site} · ${a.template} ${a.alarm}${a.room ? ` · ${a.room}` : ''}`))));
}

function silentCard(o: Overview): HTMLElement {
  const silent = o.schools.filter((s) => s.silent);
  return h('div', { class: 'card' }, h('h2', {}, t('hub.silentTitle')), silent.length === 0 ? h('p', { class: 'muted' }, t('hub.noSilent'))
    : h('ul', { id: 'silent' }, ...silent.map((s) => h('li', {}, `${s.name} · ${t('hub.since')}: ${s.last_received_at ? timeOf(s.last_received_at, tz) : t('hub.none')}`))));
}

let overview: Overview | undefined;
let alarms: Alarm[] = [];

function render(): void {
  if (overview === undefined) return;
  const rows = schoolRows(overview);
  const head = h('header', { class: 'district-head' }, h('h1', {}, h('span', { class: 'logo' }), t('hub.title')),
    h('span', { class: 'muted small', id: 'updated' }, `${t('hub.updated')} ${timeOf(new Date().toISOString(), tz)} · ${t('hub.weekNote')}`),
    big ? null : h('a', { href: '#', class: 'lang', onclick: (e: Event) => { e.preventDefault(); localStorage.setItem('campus-district-lang', lang === 'en' ? 'zh-CN' : 'en'); location.search = ''; } }, t('hub.lang')));
  clear(root, head, kpis(overview, alarms), schoolsTable(overview, rank(rows)), h('div', { class: 'district-grid' }, ranking(rows), alarmsCard(overview, alarms), daily(overview), buildings(overview), silentCard(overview)));
  root.dataset.ready = 'true';
}

async function refresh(): Promise<void> {
  try {
    overview = await getJson<Overview>('/api/district?days=14');
    tz = overview.time_zone;
    await pollAlarms(false);
    render();
  } catch (err) {
    if (err instanceof AuthRequired) clear(root, tokenForm());
    else clear(root, h('p', { class: 'card' }, `${t('hub.loadError')}: ${(err as Error).message}`));
  }
}

async function pollAlarms(draw = true): Promise<void> {
  try {
    alarms = (await getJson<{ items: Alarm[] }>(`/api/alarms?limit=50&from=${Date.now() - 7 * 86_400_000}`)).items;
    if (draw) render();
  } catch {
    // The next poll tries again; the page keeps what it shows.
  }
}

void refresh();
setInterval(() => void refresh(), big ? 30_000 : 60_000);
setInterval(() => void pollAlarms(), 10_000);
