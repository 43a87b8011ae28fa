/** Teacher: start a class session with a roster, watch who is connected, stop it and take the data home. */
import { errorText, getJson, request, type Device } from '../api.js';
import { ago, clear, h } from '../dom.js';
import { locale, t } from '../i18n/index.js';
import type { View } from '../view.js';
import { siteClock, siteDateTime } from '../site-time.js';
import { createRosterPaste } from './roster-paste.js';
import { createLessonLive, type LessonLive, type LiveLessonData } from './lesson-live.js';

interface Session {
  id: string; room: string; class: string; subject: string; start: string; end: string; status: string; stopped_at: string | null;
  roster: Array<{ device: string; student: string }>;
}
interface LiveSession extends Session, LiveLessonData {
  live: Array<LiveLessonData['live'][number] & { readings: number }>;
  connected: number; captured: number; dropped_readings: number;
}

type ExportFormat = 'csv' | 'json' | 'xlsx' | 'summary-csv' | 'zip';

/** The file name the gateway gave (RFC 5987 `filename*`, so 三年级2班 stays), else the ASCII one. */
function fileName(disposition: string, fallback: string): string {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (star) return decodeURIComponent(star);
  return /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallback;
}

async function download(id: string, format: ExportFormat): Promise<void> {
  // Column headers in the UI's language (zh-CN: 学生, 设备 … and the templates' zh field names).
  const res = await request(`/api/sessions/${id}/export?format=${format}&lang=${locale()}`);
  if (!res.ok) throw new Error(await errorText(res));
  const name = fileName(res.headers.get('content-disposition') ?? '', `session.${format}`);
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const STATUSES = ['live', 'scheduled', 'stopped', 'ended'] as const;
const statusText = (status: string) => (STATUSES as readonly string[]).includes(status) ? t(`session.${status as (typeof STATUSES)[number]}`) : status;

export function teacherView(): View {
  let selected: string | undefined;
  let list: HTMLElement;
  let detail: HTMLElement;
  let message: HTMLElement;
  let roomList: HTMLDataListElement;
  let lessonHost: HTMLElement;
  let lesson: LessonLive | undefined;

  const say = (text: string, tone: 'good' | 'bad' | 'warn') => clear(message, h('div', { class: `banner ${tone}` }, text));

  const form = (): HTMLFormElement => {
    const classInput = h('input', { name: 'class', required: true, placeholder: t('teacher.classHint') });
    const roster = createRosterPaste(() => classInput.value, say);
    const f = h('form', { class: 'card form', id: 'session-form' },
      h('h3', {}, t('teacher.start')),
      h('label', {}, t('teacher.room'), h('input', { name: 'room', required: true, list: 'rooms', placeholder: t('teacher.roomHint') })),
      h('div', { class: 'row' },
        h('label', {}, t('teacher.class'), classInput),
        h('label', {}, t('teacher.subject'), h('input', { name: 'subject', required: true, placeholder: t('teacher.subjectHint') }))),
      h('label', {}, t('teacher.minutes'), h('input', { name: 'minutes', type: 'number', min: 5, max: 600, value: 45 })),
      roster.element,
      h('button', { type: 'submit', class: 'primary' }, t('teacher.startButton')),
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
          say(t('teacher.fixFirst'), 'bad');
          return;
        }
        const body = { room: String(data.get('room')), class: String(data.get('class')), subject: String(data.get('subject')), ...times, roster: preview.roster };
        const res = await request('/api/sessions', { method: 'POST', body: JSON.stringify(body) });
        if (!res.ok) {
          clear(message, h('div', { class: 'banner bad' }, await errorText(res)));
          return;
        }
        selected = ((await res.json()) as Session).id;
        clear(message, h('div', { class: 'banner good' }, t('teacher.started')));
        await view.refresh();
      })();
    });
    return f;
  };

  function sessionRow(s: Session): HTMLElement {
    const li = h('li', { class: `session ${s.id === selected ? 'selected' : ''}`, 'data-session': s.id },
      h('div', {}, h('b', {}, `${s.class} · ${s.subject}`), h('span', { class: `pill ${s.status}` }, statusText(s.status))),
      h('div', { class: 'muted small' }, t('teacher.rowMeta', { room: s.room, start: siteDateTime(Date.parse(s.start)), n: s.roster.length })));
    li.addEventListener('click', () => { selected = s.id; void view.refresh(); });
    return li;
  }

  function renderDetail(s: LiveSession): void {
    const stop = h('button', { class: 'danger', id: 'stop-session', disabled: s.status === 'stopped' || s.status === 'ended' }, t('teacher.stop'));
    stop.addEventListener('click', () => void (async () => {
      await request(`/api/sessions/${s.id}/stop`, { method: 'POST' });
      await view.refresh();
    })());
    const exp = (format: ExportFormat) => {
      const label = format === 'xlsx' ? t('lesson.exportXlsx') : format === 'summary-csv' ? t('lesson.exportSummaryCsv') : format === 'zip' ? t('lesson.exportZip') : t('teacher.export', { format: format.toUpperCase() });
      const b = h('button', { id: `export-${format}` }, label);
      b.addEventListener('click', () => void download(s.id, format).catch((err: unknown) => clear(message, h('div', { class: 'banner bad' }, String(err)))));
      return b;
    };
    const students = new Map<string, LiveSession['live']>();
    for (const l of s.live) students.set(l.student, [...(students.get(l.student) ?? []), l]);
    clear(detail,
      h('div', { class: 'card' },
        h('div', { class: 'section-head' },
          h('div', {}, h('h2', {}, `${s.class} · ${s.subject}`), h('div', { class: 'muted' }, t('teacher.detailMeta', { room: s.room, from: siteClock(Date.parse(s.start)), to: siteClock(Date.parse(s.stopped_at ?? s.end)) }), h('span', { class: `pill ${s.status}`, id: 'session-status', 'data-status': s.status }, statusText(s.status)))),
          h('div', { class: 'actions' }, stop, exp('xlsx'), exp('summary-csv'), exp('zip'), exp('csv'), exp('json'))),
        h('section', { class: 'stats' },
          h('div', { class: 'stat good', id: 'session-connected' }, h('div', { class: 'stat-value' }, `${s.connected}/${s.live.length}`), h('div', { class: 'stat-label' }, t('teacher.connected'))),
          h('div', { class: 'stat neutral' }, h('div', { class: 'stat-value' }, students.size), h('div', { class: 'stat-label' }, t('teacher.students'))),
          h('div', { class: 'stat neutral', id: 'session-captured' }, h('div', { class: 'stat-value' }, s.captured), h('div', { class: 'stat-label' }, t('teacher.captured')))),
        h('table', { class: 'table', id: 'roster' },
          h('thead', {}, h('tr', {}, h('th', {}, t('teacher.colStudent')), h('th', {}, t('teacher.colDevice')), h('th', {}, t('teacher.colConnected')), h('th', {}, t('teacher.colLast')), h('th', { class: 'num' }, t('teacher.colReadings')))),
          h('tbody', {}, s.live.map((l) => h('tr', { 'data-roster-device': l.device, 'data-connected': String(l.connected) },
            h('td', {}, l.student), h('td', { class: 'mono' }, l.device),
            h('td', {}, h('span', { class: `dot ${l.connected ? 'online' : 'offline'}` }), l.connected ? t('teacher.isConnected') : t('teacher.notConnected')),
            h('td', {}, ago(l.last_seen)), h('td', { class: 'num' }, l.readings))))),
        h('p', { class: 'muted small' }, t('teacher.yours')),
      ));
  }

  const view: View = {
    title: t('nav.teacher'),
    everyMs: 2000,
    mount(root) {
      list = h('ul', { class: 'sessions', id: 'sessions' });
      detail = h('div', { id: 'session-detail' });
      message = h('div', { id: 'session-message' });
      lessonHost = h('div', { id: 'lesson-host' });
      roomList = h('datalist', { id: 'rooms' });
      root.append(h('div', { class: 'page-head' }, h('h1', {}, t('teacher.title'))),
        h('div', { class: 'split' }, h('div', {}, form(), message, roomList, h('div', { class: 'card' }, h('h3', {}, t('teacher.sessions')), list)), h('div', {}, detail, lessonHost)));
    },
    async refresh() {
      const [sessions, devices] = await Promise.all([getJson<Session[]>('/api/sessions'), getJson<Device[]>('/api/devices').catch(() => [] as Device[])]);
      const rooms = [...new Set(devices.map((d) => d.room).filter((r): r is string => !!r))].sort();
      if (roomList.childElementCount !== rooms.length) clear(roomList, ...rooms.map((r) => h('option', { value: r })));
      selected ??= sessions.find((s) => s.status === 'live')?.id ?? sessions[0]?.id;
      clear(list, ...(sessions.length ? sessions.map(sessionRow) : [h('li', { class: 'empty' }, t('teacher.noSessions'))]));
      if (selected) {
        const live = await getJson<LiveSession>(`/api/sessions/${selected}`);
        renderDetail(live);
        // The wall and the PE view live across refreshes (their canvases keep what they drew).
        if (lesson?.id !== live.id || live.status !== 'live') { lesson?.close(); lesson = undefined; clear(lessonHost); }
        if (live.status === 'live') {
          if (!lesson) { lesson = createLessonLive(live); clear(lessonHost, lesson.element); } else lesson.update(live);
        }
      } else clear(detail, h('div', { class: 'card empty-state' }, t('teacher.pickOne')));
    },
  };
  return view;
}
