/** Facilities: every device by building and room, with status, last seen, battery, alarms and what is on in an empty room. */
import { getJson, type Device } from '../api.js';
import { ago, clear, formatValue, h, labelOf } from '../dom.js';
import { fieldLabel, t, templateLabel, type MessageKey } from '../i18n/index.js';
import { alarmsOf, batteryOf, headline, isOn, roomOccupied } from '../rules.js';
import type { View } from '../view.js';

export interface TemplateInfo { id: string; name: string; zh?: string; category: string; fields: Array<{ name: string; zh?: string; unit: string | null; role?: string; alarm: boolean | string[] | null }> }

let templateCache: Map<string, TemplateInfo> | undefined;
export async function templateNames(): Promise<Map<string, TemplateInfo>> {
  templateCache ??= new Map((await getJson<TemplateInfo[]>('/api/templates')).map((t) => [t.id, t]));
  return templateCache;
}

function statCard(id: string, label: MessageKey, value: number, tone: string): HTMLElement {
  return h('div', { class: `stat ${tone}`, id }, h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-label' }, t(label)));
}

const buildingName = (b: string) => (b === '–' ? t('facilities.noBuilding') : t('facilities.building', { building: b }));

function battery(pct: number): HTMLElement {
  const tone = pct < 20 ? 'low' : pct < 50 ? 'mid' : 'ok';
  return h('span', { class: `battery ${tone}`, title: t('tile.battery', { pct }) }, h('span', { class: 'battery-fill', style: `width:${Math.max(4, Math.min(100, pct))}%` }), h('span', { class: 'battery-text' }, `${Math.round(pct)}%`));
}

function tile(d: Device, templates: Map<string, TemplateInfo>): HTMLElement {
  const alarms = alarmsOf(d, templates.get(d.template));
  const b = batteryOf(d);
  return h('a', { class: `tile ${d.status}${alarms.length ? ' alarm' : ''}`, href: `#/device/${encodeURIComponent(d.id)}`, 'data-device': d.id, 'data-status': d.status },
    h('div', { class: 'tile-head' },
      h('span', { class: `dot ${d.status}`, title: t(`device.status.${d.status}`) }),
      h('span', { class: 'tile-id' }, d.id),
      isOn(d) ? h('span', { class: 'chip on' }, t('tile.on')) : null,
      b === undefined ? null : battery(b),
    ),
    h('div', { class: 'tile-template' }, templateLabel(templates.get(d.template), d.template)),
    h('div', { class: 'tile-values' }, headline(d).map(([k, v]) => h('span', { class: 'kv' }, h('span', { class: 'k', title: k }, fieldLabel(templates.get(d.template), k, labelOf)), h('span', { class: 'v' }, formatValue(k, v, templates.get(d.template)?.fields.find((f) => f.name === k)?.unit))))),
    alarms.length ? h('div', { class: 'tile-alarm' }, `⚠ ${alarms.join(', ')}`) : null,
    d.last_error ? h('div', { class: 'tile-error', title: d.last_error }, d.last_error) : null,
    h('div', { class: 'tile-seen' }, d.status === 'never' ? t('tile.neverSeen') : t('tile.lastSeen', { ago: ago(d.last_seen) })),
  );
}

export function facilitiesView(): View {
  const filter = { text: '', status: '', template: '', building: '' };
  let body: HTMLElement;
  let templateSelect: HTMLSelectElement;
  let buildingSelect: HTMLSelectElement;
  let last: Device[] = [];
  let templates = new Map<string, TemplateInfo>();

  const options = (sel: HTMLSelectElement, all: string, values: Array<[string, string]>, current: string) => {
    const wanted = JSON.stringify(values);
    if (sel.dataset.values === wanted) return;
    sel.dataset.values = wanted;
    sel.replaceChildren(h('option', { value: '' }, all), ...values.map(([v, label]) => h('option', { value: v, selected: v === current }, label)));
  };

  function render(): void {
    const devices = last;
    options(templateSelect, t('facilities.allTypes'), [...new Set(devices.map((d) => d.template))].sort().map((id) => [id, templateLabel(templates.get(id), id)]), filter.template);
    options(buildingSelect, t('facilities.allBuildings'), [...new Set(devices.map((d) => d.building ?? '–'))].sort().map((b) => [b, buildingName(b)]), filter.building);
    const text = filter.text.toLowerCase();
    const shown = devices.filter((d) => (!filter.status || d.status === filter.status) && (!filter.template || d.template === filter.template)
      && (!filter.building || (d.building ?? '–') === filter.building)
      && (!text || `${d.id} ${d.room ?? ''} ${d.template} ${templates.get(d.template)?.name ?? ''} ${templates.get(d.template)?.zh ?? ''}`.toLowerCase().includes(text)));
    const counts = { online: 0, offline: 0, never: 0 };
    for (const d of devices) counts[d.status] += 1;
    const alarmed = devices.filter((d) => alarmsOf(d, templates.get(d.template)).length > 0);
    const rooms = new Map<string, Device[]>();
    for (const d of devices) {
      const key = `${d.building ?? '–'}\u0000${d.room ?? '–'}`;
      rooms.set(key, [...(rooms.get(key) ?? []), d]);
    }
    const wasted = [...rooms.entries()].filter(([, ds]) => roomOccupied(ds) === false && ds.some(isOn))
      .map(([key, ds]) => ({ room: key.split('\u0000')[1]!, building: key.split('\u0000')[0]!, on: ds.filter(isOn) }));

    const attention = h('section', { class: 'panels' },
      h('div', { class: 'card panel', id: 'alarms' },
        h('h3', {}, t('facilities.alarms')),
        alarmed.length === 0 ? h('p', { class: 'empty' }, t('facilities.noAlarms'))
          : h('ul', { class: 'list' }, alarmed.map((d) => h('li', { 'data-device': d.id }, h('a', { href: `#/device/${encodeURIComponent(d.id)}` }, d.id), t('facilities.roomShort', { room: d.room ?? '–' }), h('b', { class: 'bad' }, alarmsOf(d, templates.get(d.template)).join(', '))))),
      ),
      h('div', { class: 'card panel', id: 'empty-rooms' },
        h('h3', {}, t('facilities.emptyRooms')),
        wasted.length === 0 ? h('p', { class: 'empty' }, t('facilities.noEmptyRooms'))
          : h('ul', { class: 'list' }, wasted.map((w) => h('li', { 'data-room': w.room }, h('b', {}, t('facilities.room', { room: w.room })), t('facilities.inBuilding', { building: w.building }), w.on.map((d) => d.id).join(', ')))),
      ),
      h('div', { class: 'card panel', id: 'silent' },
        h('h3', {}, t('facilities.silent')),
        counts.offline === 0 ? h('p', { class: 'empty' }, t('facilities.noSilent'))
          : h('ul', { class: 'list' }, devices.filter((d) => d.status === 'offline').map((d) => h('li', { 'data-device': d.id }, h('a', { href: `#/device/${encodeURIComponent(d.id)}` }, d.id), t('facilities.silentItem', { room: d.room ?? '–', ago: ago(d.last_seen) })))),
      ),
    );

    const buildings = new Map<string, Map<string, Device[]>>();
    for (const d of shown) {
      const b = buildings.get(d.building ?? '–') ?? new Map<string, Device[]>();
      b.set(d.room ?? '–', [...(b.get(d.room ?? '–') ?? []), d]);
      buildings.set(d.building ?? '–', b);
    }
    const grid = [...buildings.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([building, byRoom]) => h('section', { class: 'building', 'data-building': building },
      h('h2', {}, buildingName(building), h('span', { class: 'muted' }, t('facilities.rooms', { n: byRoom.size }))),
      h('div', { class: 'rooms' }, [...byRoom.entries()].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })).map(([room, ds]) => {
        const occupied = roomOccupied(rooms.get(`${building}\u0000${room}`) ?? ds);
        const online = ds.filter((d) => d.status === 'online').length;
        return h('div', { class: 'card room', 'data-room': room },
          h('div', { class: 'room-head' },
            h('h3', {}, room === '–' ? t('facilities.noRoom') : t('facilities.room', { room })),
            occupied === undefined ? null : h('span', { class: `chip ${occupied ? 'occupied' : 'empty'}` }, occupied ? t('facilities.occupied') : t('facilities.empty')),
            h('span', { class: 'muted small' }, t('facilities.onlineOf', { online, total: ds.length }))),
          h('div', { class: 'tiles' }, ds.map((d) => tile(d, templates))),
        );
      })),
    ));
    clear(body,
      h('section', { class: 'stats' },
        statCard('stat-online', 'facilities.statOnline', counts.online, 'good'), statCard('stat-offline', 'facilities.statOffline', counts.offline, counts.offline ? 'bad' : 'neutral'),
        statCard('stat-never', 'facilities.statNever', counts.never, 'neutral'), statCard('stat-alarms', 'facilities.statAlarms', alarmed.length, alarmed.length ? 'bad' : 'neutral'),
        statCard('stat-wasted', 'facilities.statWasted', wasted.reduce((n, w) => n + w.on.length, 0), wasted.length ? 'warn' : 'neutral')),
      attention,
      shown.length === 0 ? h('div', { class: 'card empty-state' }, devices.length === 0 ? t('facilities.noDevices') : t('facilities.noMatch')) : h('div', {}, grid),
    );
  }

  return {
    title: t('nav.facilities'),
    everyMs: 2000,
    mount(root) {
      const search = h('input', { type: 'search', id: 'filter-text', placeholder: t('facilities.search') });
      search.addEventListener('input', () => { filter.text = search.value; render(); });
      const status = h('select', { id: 'filter-status' }, h('option', { value: '' }, t('facilities.anyStatus')), h('option', { value: 'online' }, t('status.online')), h('option', { value: 'offline' }, t('status.offline')), h('option', { value: 'never' }, t('status.never')));
      status.addEventListener('change', () => { filter.status = status.value; render(); });
      templateSelect = h('select', { id: 'filter-template' });
      templateSelect.addEventListener('change', () => { filter.template = templateSelect.value; render(); });
      buildingSelect = h('select', { id: 'filter-building' });
      buildingSelect.addEventListener('change', () => { filter.building = buildingSelect.value; render(); });
      body = h('div', { id: 'facilities-body' });
      root.append(h('div', { class: 'page-head' }, h('h1', {}, t('facilities.title')), h('div', { class: 'toolbar' }, search, status, templateSelect, buildingSelect)), body);
    },
    async refresh() {
      const [devices, names] = await Promise.all([getJson<Device[]>('/api/devices?latest=true'), templateNames().catch(() => new Map<string, TemplateInfo>())]);
      templates = names;
      last = devices;
      render();
    },
  };
}

