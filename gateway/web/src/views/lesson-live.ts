/**
 * The lesson, live (issue #19): the handwriting wall and the PE view of one running session, fed by
 * its stream (`GET /api/sessions/:id/stream`, read with fetch so the bearer token goes along) and by
 * the live view the Teacher page polls. A dropped stream is opened again after 3 s.
 */
import { request } from '../api.js';
import { h } from '../dom.js';
import { createPeView, type HeartEvent, type StudentRow } from './lesson-pe.js';
import { createWall, type LiveRow, type PenEvent } from './lesson-wall.js';

export interface LiveLessonData {
  id: string; status: string; start: string;
  live: Array<LiveRow & { kind: 'pen' | 'heart-rate' | 'other' }>;
  students: Array<StudentRow & { strokes: number }>;
  zones: { bounds: number[]; mvpa_from_zone: number };
}

export interface LessonLive {
  element: HTMLElement;
  readonly id: string;
  update(s: LiveLessonData): void;
  close(): void;
}

async function readEvents(res: Response, on: (event: string, data: unknown) => void, signal: AbortSignal): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  while (!signal.aborted) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data) on(event, JSON.parse(data));
    }
  }
}

export function createLessonLive(first: LiveLessonData): LessonLive {
  const kinds = new Map(first.live.map((l) => [l.template, l.kind]));
  const wall = createWall((tpl) => kinds.get(tpl) === 'pen');
  const pe = createPeView((tpl) => kinds.get(tpl) === 'heart-rate');
  const hasPens = first.live.some((l) => l.kind === 'pen');
  const hasBands = first.live.some((l) => l.kind === 'heart-rate');
  const element = h('div', { class: 'lesson-live', id: 'lesson-live', 'data-session': first.id }, hasPens ? wall.element : null, hasBands ? pe.element : null);
  const ac = new AbortController();

  const update = (s: LiveLessonData): void => {
    for (const l of s.live) kinds.set(l.template, l.kind);
    wall.roster(s.live, new Map(s.students.map((x) => [x.student, x.strokes])));
    pe.update(s.live, s.students, s.zones, Math.max(0, (Date.now() - Date.parse(s.start)) / 60_000));
  };
  update(first);

  const open = async (): Promise<void> => {
    while (!ac.signal.aborted) {
      try {
        const res = await request(`/api/sessions/${first.id}/stream`, { signal: ac.signal });
        if (res.ok) {
          element.dataset.stream = 'open';
          await readEvents(res, (event, data) => {
            if (event === 'snapshot') {
              const snap = data as { pens: PenEvent[]; hearts: HeartEvent[] };
              wall.pens(snap.pens);
              pe.hearts(snap.hearts);
            } else if (event === 'pen') wall.pens([data as PenEvent]);
            else if (event === 'heart') pe.hearts([data as HeartEvent]);
          }, ac.signal);
        }
      } catch {
        // dropped (or closed by us): opened again below unless closed
      }
      element.dataset.stream = 'closed';
      if (!ac.signal.aborted) await new Promise((r) => setTimeout(r, 3000));
    }
  };
  void open();
  // The Teacher page was left (the element is gone): the stream is closed too.
  let seen = false;
  const watch = window.setInterval(() => {
    if (element.isConnected) seen = true;
    else if (seen) { ac.abort(); window.clearInterval(watch); }
  }, 2000);

  return { element, id: first.id, update, close: () => { ac.abort(); window.clearInterval(watch); } };
}
