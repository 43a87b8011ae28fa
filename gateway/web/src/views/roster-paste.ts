/**
 * The teacher's roster: pasted from a spreadsheet or typed (`device<sep>student` a line, with a
 * tab, `,`, `，`, `、` or `;`), previewed by the gateway line by line before the session starts,
 * saved for the class and loaded again. The parsing and the registry checks are the server's
 * (`POST /api/sessions/roster-preview`); a line whose device the school did not register for a
 * student comes back without its device, and the table shows what the teacher typed on that line
 * from the textarea itself.
 *
 * A class list kept as a file (.csv or .xlsx) is read by the gateway (`POST
 * /api/sessions/roster-file`, the bytes as they are): its answer is the same preview plus the text
 * it read, one line per row of the file, which goes into the textarea, so the file's rows are then
 * checked, saved and started like pasted text.
 */
import { errorText, request } from '../api.js';
import { clear, h } from '../dom.js';
import { hasMessage, t } from '../i18n/index.js';

export interface RosterPreview {
  ok: boolean;
  lines: Array<{ line: number; status: string; device?: string; student: string; message: string }>;
  /** `reason` names the problem (the catalog words it); `message` is the server's English. */
  errors: Array<{ line: number; reason?: string; message: string }>;
  roster: Array<{ device: string; student: string }>;
}

/** A line's status or reason in the UI's language (the server's English when the catalog does not know it). */
function checkText(kind: 'status' | 'reason', code: string | undefined, fallback: string): string {
  const key = `roster.${kind}.${code ?? ''}`;
  return hasMessage(key) ? t(key) : fallback;
}

export interface RosterPaste {
  element: HTMLElement;
  /** The gateway's preview of the textarea, shown in the table; undefined when the request failed (the message says why). */
  check(): Promise<RosterPreview | undefined>;
}

/** `className` reads the class field of the session form (rosters are saved per class). */
export function createRosterPaste(className: () => string, say: (text: string, tone: 'good' | 'bad' | 'warn') => void): RosterPaste {
  const textarea = h('textarea', { name: 'roster', id: 'roster-text', rows: 7, placeholder: t('roster.placeholder') });
  const table = h('div', { id: 'roster-preview' });
  let timer: ReturnType<typeof setTimeout> | undefined;

  function render(p: RosterPreview): void {
    const typed = textarea.value.split(/\r\n|\r|\n/);
    const rows = [
      ...p.errors.map((e) => ({ line: e.line, status: 'unreadable', student: '', text: checkText('reason', e.reason, e.message) })),
      ...p.lines.map((l) => ({ line: l.line, status: l.status, student: l.student, text: checkText('status', l.status, l.message) })),
    ].sort((a, b) => a.line - b.line);
    if (rows.length === 0) { clear(table); return; }
    const flagged = rows.filter((r) => r.status !== 'ok').length;
    clear(table,
      h('div', { class: `banner ${p.ok ? (flagged ? 'warn' : 'good') : 'bad'}`, id: 'roster-summary' },
        p.ok ? (flagged ? t('roster.readyCheck', { n: p.roster.length, flagged }) : t('roster.ready', { n: p.roster.length })) : t('roster.needFixing', { flagged, total: rows.length })),
      h('table', { class: 'table small' },
        h('thead', {}, h('tr', {}, h('th', { class: 'num' }, t('roster.colLine')), h('th', {}, t('roster.colTyped')), h('th', {}, t('roster.colStudent')), h('th', {}, t('roster.colCheck')))),
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
    if (!cls) say(t('roster.needClass'), 'bad');
    return cls || undefined;
  };

  const fileInput = h('input', { type: 'file', id: 'roster-file', accept: '.csv,.xlsx,.txt,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  async function upload(file: File): Promise<void> {
    if (timer) clearTimeout(timer);
    // The bytes decide CSV or XLSX on the gateway; an unnamed type goes as octet-stream.
    const res = await request('/api/sessions/roster-file', { method: 'POST', body: file, headers: { 'content-type': file.type || 'application/octet-stream' } });
    if (!res.ok) { say(await errorText(res), 'bad'); return; }
    const p = (await res.json()) as RosterPreview & { text: string };
    textarea.value = p.text;
    render(p);
    say(t('roster.fileRead', { file: file.name }), p.ok ? 'good' : 'warn');
  }
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void upload(file).catch((err: unknown) => say(String(err), 'bad')).finally(() => { fileInput.value = ''; });
  });

  textarea.addEventListener('input', () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void check().catch(() => undefined), 600);
  });

  const element = h('div', { class: 'roster-paste' },
    h('label', {}, t('roster.label'), textarea),
    h('label', { class: 'roster-file' }, t('roster.file'), fileInput),
    h('div', { class: 'actions' },
      button('roster-check', t('roster.check'), async () => { await check(); }),
      button('roster-save', t('roster.save'), async () => {
        const cls = needClass();
        if (!cls) return;
        const res = await request(`/api/rosters/${encodeURIComponent(cls)}`, { method: 'PUT', body: JSON.stringify({ text: textarea.value }) });
        if (!res.ok) { say(await errorText(res), 'bad'); return; }
        say(t('roster.saved', { class: cls }), 'good');
      }),
      button('roster-load', t('roster.load'), async () => {
        const cls = needClass();
        if (!cls) return;
        const res = await request(`/api/rosters/${encodeURIComponent(cls)}`);
        if (res.status === 404) { say(t('roster.noneSaved', { class: cls }), 'warn'); return; }
        if (!res.ok) { say(await errorText(res), 'bad'); return; }
        textarea.value = ((await res.json()) as { text: string }).text;
        say(t('roster.loaded', { class: cls }), 'good');
        await check();
      })),
    table);
  return { element, check };
}
