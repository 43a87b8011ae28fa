/** Teacher: start a class session with a roster, watch who is connected, stop it and take the data home. */
import { errorText, getJson, request, type Device } from '../api.js';
import { ago, clear, h } from '../dom.js';
import type { View } from '../view.js';
import { siteClock, siteDateTime } from '../site-time.js';
import { createRosterPaste } from './roster-paste.js';

interface Session {
  id: string; room: string; class: string; subject: string; start: string; end: string; status: string; stopped_at: string | null;
  roster: Array<{ device: string; student: string }>;
}
interface LiveSession extends Session {
  live: Array<{ device: string; student: string; connected: boolean; last_seen: string | null; readings: number }>;
  connected: number; captured: number; dropped_readings: number;
}

async function download(id: string, format: 'csv' | 'json'): Promise<void> {
  const res = await request(`/api/sessions/${id}/export?format=${format}`);
  if (!res.ok) throw new Error(await errorText(res));
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `session.${format}`;
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function teacherView(): View {
  let selected: string | undefined;
  let list: HTMLElement;
  let detail: HTMLElement;
  let message: HTMLElement;
  let roomList: HTMLDataListElement;

  const say = (text: string, tone: 'good' | 'bad' | 'warn') => clear(message, h('div', { class: `banner ${tone}` }, text));

  const form = (): HTMLFormElement => {
    const classInput = h('input', { name: 'class', required: true, placeholder: 'e.g. 7B' });
    const roster = createRosterPaste(() => classInput.value, say);
    const f = h('form', { class: 'card form', id: 'session-form' },
      h('h3', {}, 'Start a class session'),
      h('label', {}, 'Room', h('input', { name: 'room', required: true, list: 'rooms', placeholder: 'e.g. 101' })),
      h('div', { class: 'row' },
        h('label', {}, 'Class', classInput),
        h('label', {}, 'Subject', h('input', { name: 'subject', required: true, placeholder: 'e.g. Physics' }))),
      h('label', {}, 'Length (minutes)', h('input', { name: 'minutes', type: 'number', min: 5, max: 600, value: 45 })),
      roster.element,
      h('button', { type: 'submit', class: 'primary' }, 'Start session'),
    );
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(f);
      const start = Date.now();
      const times = { start: new Date(start).toISOString(), end: new Date(start + Number(data.get('minutes') || 45) * 60_000).toISOString() };
      void (async () => {
        // The roster starts only as the gateway read it: flagged lines are fixed first, nothing is dropped silently.
        const preview = await roster.check();
        if (!preview) return;
        if (!preview.ok) {
          say('Fix the flagged roster lines before starting the session.', 'bad');
          return;
        }
        const body = { room: String(data.get('room')), class: String(data.get('class')), subject: String(data.get('subject')), ...times, roster: preview.roster };
        const res = await request('/api/sessions', { method: 'POST', body: JSON.stringify(body) });
        if (!res.ok) {
          clear(message, h('div', { class: 'banner bad' }, await errorText(res)));
          return;
        }
        selected = ((await res.json()) as Session).id;
        clear(message, h('div', { class: 'banner good' }, 'Session started.'));
        await view.refresh();
      })();
    });
    return f;
  };

  function sessionRow(s: Session): HTMLElement {
    const li = h('li', { class: `session ${s.id === selected ? 'selected' : ''}`, 'data-session': s.id },
      h('div', {}, h('b', {}, `${s.class} · ${s.subject}`), h('span', { class: `pill ${s.status}` }, s.status)),
      h('div', { class: 'muted small' }, `Room ${s.room} · ${siteDateTime(Date.parse(s.start))} · ${s.roster.length} students' devices`));
    li.addEventListener('click', () => { selected = s.id; void view.refresh(); });
    return li;
  }

  function renderDetail(s: LiveSession): void {
    const stop = h('button', { class: 'danger', id: 'stop-session', disabled: s.status === 'stopped' || s.status === 'ended' }, 'Stop session');
    stop.addEventListener('click', () => void (async () => {
      await request(`/api/sessions/${s.id}/stop`, { method: 'POST' });
      await view.refresh();
    })());
    const exp = (format: 'csv' | 'json') => {
      const b = h('button', { id: `export-${format}` }, `Export ${format.toUpperCase()}`);
      b.addEventListener('click', () => void download(s.id, format).catch((err: unknown) => clear(message, h('div', { class: 'banner bad' }, String(err)))));
      return b;
    };
    const students = new Map<string, LiveSession['live']>();
    for (const l of s.live) students.set(l.student, [...(students.get(l.student) ?? []), l]);
    clear(detail,
      h('div', { class: 'card' },
        h('div', { class: 'section-head' },
          h('div', {}, h('h2', {}, `${s.class} · ${s.subject}`), h('div', { class: 'muted' }, `Room ${s.room} · ${siteClock(Date.parse(s.start))} – ${siteClock(Date.parse(s.stopped_at ?? s.end))} · `, h('span', { class: `pill ${s.status}`, id: 'session-status' }, s.status))),
          h('div', { class: 'actions' }, stop, exp('csv'), exp('json'))),
        h('section', { class: 'stats' },
          h('div', { class: 'stat good', id: 'session-connected' }, h('div', { class: 'stat-value' }, `${s.connected}/${s.live.length}`), h('div', { class: 'stat-label' }, 'devices connected')),
          h('div', { class: 'stat neutral' }, h('div', { class: 'stat-value' }, students.size), h('div', { class: 'stat-label' }, 'students')),
          h('div', { class: 'stat neutral', id: 'session-captured' }, h('div', { class: 'stat-value' }, s.captured), h('div', { class: 'stat-label' }, 'readings captured'))),
        h('table', { class: 'table', id: 'roster' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Student'), h('th', {}, 'Device'), h('th', {}, 'Connected'), h('th', {}, 'Last data'), h('th', { class: 'num' }, 'Readings'))),
          h('tbody', {}, s.live.map((l) => h('tr', { 'data-roster-device': l.device, 'data-connected': String(l.connected) },
            h('td', {}, l.student), h('td', { class: 'mono' }, l.device),
            h('td', {}, h('span', { class: `dot ${l.connected ? 'online' : 'offline'}` }), l.connected ? ' connected' : ' not connected'),
            h('td', {}, ago(l.last_seen)), h('td', { class: 'num' }, l.readings))))),
        h('p', { class: 'muted small' }, 'The export is yours: it stays on this gateway and is never sent to the district.'),
      ));
  }

  const view: View = {
    title: 'Teacher',
    everyMs: 2000,
    mount(root) {
      list = h('ul', { class: 'sessions', id: 'sessions' });
      detail = h('div', { id: 'session-detail' });
      message = h('div', { id: 'session-message' });
      roomList = h('datalist', { id: 'rooms' });
      root.append(h('div', { class: 'page-head' }, h('h1', {}, 'Class sessions')),
        h('div', { class: 'split' }, h('div', {}, form(), message, roomList, h('div', { class: 'card' }, h('h3', {}, 'Sessions'), list)), detail));
    },
    async refresh() {
      const [sessions, devices] = await Promise.all([getJson<Session[]>('/api/sessions'), getJson<Device[]>('/api/devices').catch(() => [] as Device[])]);
      const rooms = [...new Set(devices.map((d) => d.room).filter((r): r is string => !!r))].sort();
      if (roomList.childElementCount !== rooms.length) clear(roomList, ...rooms.map((r) => h('option', { value: r })));
      selected ??= sessions.find((s) => s.status === 'live')?.id ?? sessions[0]?.id;
      clear(list, ...(sessions.length ? sessions.map(sessionRow) : [h('li', { class: 'empty' }, 'No sessions yet.')]));
      if (selected) renderDetail(await getJson<LiveSession>(`/api/sessions/${selected}`));
      else clear(detail, h('div', { class: 'card empty-state' }, 'Start a session to see your class\'s devices connect live.'));
    },
  };
  return view;
}
