/**
 * The teacher's roster: pasted from a spreadsheet or typed (`device<sep>student` a line, with a
 * tab, `,`, `，`, `、` or `;`), previewed by the gateway line by line before the session starts,
 * saved for the class and loaded again. The parsing and the registry checks are the server's
 * (`POST /api/sessions/roster-preview`); a line whose device the school did not register for a
 * student comes back without its device, and the table shows what the teacher typed on that line
 * from the textarea itself.
 */
import { errorText, request } from '../api.js';
import { clear, h } from '../dom.js';

export interface RosterPreview {
  ok: boolean;
  lines: Array<{ line: number; status: string; device?: string; student: string; message: string }>;
  errors: Array<{ line: number; message: string }>;
  roster: Array<{ device: string; student: string }>;
}

const STATUS_TEXT: Record<string, string> = {
  ok: 'ok',
  unknown_device: 'not a device the school registered for a student',
  duplicate_device: 'device already on the roster',
  duplicate_student: 'student already has a device of this kind',
  in_use: 'on another class session now',
};

export interface RosterPaste {
  element: HTMLElement;
  /** The gateway's preview of the textarea, shown in the table; undefined when the request failed (the message says why). */
  check(): Promise<RosterPreview | undefined>;
}

/** `className` reads the class field of the session form (rosters are saved per class). */
export function createRosterPaste(className: () => string, say: (text: string, tone: 'good' | 'bad' | 'warn') => void): RosterPaste {
  const textarea = h('textarea', { name: 'roster', id: 'roster-text', rows: 7, placeholder: '设备，学生\nP-00123，张伟\nW-2231\t张伟\nP-00124、李娜' });
  const table = h('div', { id: 'roster-preview' });
  let timer: ReturnType<typeof setTimeout> | undefined;

  function render(p: RosterPreview): void {
    const typed = textarea.value.split(/\r\n|\r|\n/);
    const rows = [
      ...p.errors.map((e) => ({ line: e.line, status: 'unreadable', student: '', text: e.message })),
      ...p.lines.map((l) => ({ line: l.line, status: l.status, student: l.student, text: STATUS_TEXT[l.status] ?? l.status })),
    ].sort((a, b) => a.line - b.line);
    if (rows.length === 0) { clear(table); return; }
    const flagged = rows.filter((r) => r.status !== 'ok').length;
    clear(table,
      h('div', { class: `banner ${p.ok ? (flagged ? 'warn' : 'good') : 'bad'}`, id: 'roster-summary' },
        p.ok ? `${p.roster.length} lines ready${flagged ? `, ${flagged} to check` : ''}` : `${flagged} of ${rows.length} lines need fixing before the session can start`),
      h('table', { class: 'table small' },
        h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Line'), h('th', {}, 'You typed'), h('th', {}, 'Student'), h('th', {}, 'Check'))),
        h('tbody', {}, rows.map((r) => h('tr', { 'data-line': String(r.line), 'data-status': r.status, class: r.status === 'ok' ? '' : r.status === 'duplicate_student' ? 'warn' : 'bad' },
          h('td', { class: 'num' }, r.line), h('td', { class: 'mono' }, (typed[r.line - 1] ?? '').trim()), h('td', {}, r.student), h('td', {}, r.text))))));
  }

  async function check(): Promise<RosterPreview | undefined> {
    if (timer) clearTimeout(timer);
    const res = await request('/api/sessions/roster-preview', { method: 'POST', body: JSON.stringify({ text: textarea.value }) });
    if (!res.ok) { say(await errorText(res), 'bad'); return undefined; }
    const p = (await res.json()) as RosterPreview;
    render(p);
    return p;
  }

  const button = (id: string, label: string, run: () => Promise<void>) => {
    const b = h('button', { type: 'button', id }, label);
    b.addEventListener('click', () => void run().catch((err: unknown) => say(String(err), 'bad')));
    return b;
  };
  const needClass = (): string | undefined => {
    const cls = className().trim();
    if (!cls) say('Type the class first: rosters are saved per class.', 'bad');
    return cls || undefined;
  };

  textarea.addEventListener('input', () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void check().catch(() => undefined), 600);
  });

  const element = h('div', { class: 'roster-paste' },
    h('label', {}, 'Roster: paste from a spreadsheet or type one "device, student" per line (tab, comma, ，, 、 or ;)', textarea),
    h('div', { class: 'actions' },
      button('roster-check', 'Check roster', async () => { await check(); }),
      button('roster-save', 'Save roster for this class', async () => {
        const cls = needClass();
        if (!cls) return;
        const res = await request(`/api/rosters/${encodeURIComponent(cls)}`, { method: 'PUT', body: JSON.stringify({ text: textarea.value }) });
        if (!res.ok) { say(await errorText(res), 'bad'); return; }
        say(`Roster saved for class ${cls}.`, 'good');
      }),
      button('roster-load', 'Load saved roster', async () => {
        const cls = needClass();
        if (!cls) return;
        const res = await request(`/api/rosters/${encodeURIComponent(cls)}`);
        if (res.status === 404) { say(`No roster saved for class ${cls} yet.`, 'warn'); return; }
        if (!res.ok) { say(await errorText(res), 'bad'); return; }
        textarea.value = ((await res.json()) as { text: string }).text;
        say(`Loaded the roster saved for class ${cls}.`, 'good');
        await check();
      })),
    table);
  return { element, check };
}
