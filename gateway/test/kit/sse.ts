// Server-sent events as a test reads them: the complete `event:`/`data:` blocks of a buffer, and what is left over.
export interface SseEvent { event: string; data: Record<string, unknown> }

/** Takes every complete block (ended by a blank line) off `buffered`; returns the events and the rest. */
export function takeSseEvents(buffered: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  let rest = buffered;
  let end: number;
  while ((end = rest.indexOf('\n\n')) >= 0) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const event = /^event: (.+)$/m.exec(block)?.[1];
    const data = /^data: (.+)$/m.exec(block)?.[1];
    if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
  }
  return { events, rest };
}
