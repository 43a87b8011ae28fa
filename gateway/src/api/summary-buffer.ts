/**
 * Keeps the summaries this gateway emitted (from the summaries engine's message
 * hook) so `/api/summaries` and the dashboard's district view can show them at
 * the site. Bounded: hour and day roll-ups (the district view's data) are kept
 * apart from the short base windows, so a day of 1-minute windows never pushes
 * out two weeks of day roll-ups. Summaries carry no personal data by
 * construction (the uplink guard checks them before they leave).
 */
import type { SummaryRecord, SummarySource } from './routes/summaries.js';

export interface SummaryBuffer extends SummarySource {
  /** Accepts any uplink message; alarms and unknown shapes are ignored. */
  push(message: { kind: string; windowStart: string; resolution?: string }): void;
  size(): number;
}

export function createSummaryBuffer(opts: { maxRollups?: number; maxWindows?: number } = {}): SummaryBuffer {
  const maxRollups = opts.maxRollups ?? 20_000;
  const maxWindows = opts.maxWindows ?? 5_000;
  const rollups: SummaryRecord[] = [];
  const windows: SummaryRecord[] = [];
  return {
    push(m) {
      if (m.kind === 'alarm' || typeof m.windowStart !== 'string') return;
      const ring = m.resolution === 'hour' || m.resolution === 'day' ? rollups : windows;
      ring.push(m as SummaryRecord);
      if (ring.length > (ring === rollups ? maxRollups : maxWindows)) ring.shift();
    },
    async query(q) {
      return [...rollups, ...windows]
        .filter((s) => (!q.kind || s.kind === q.kind) && Date.parse(s.windowStart) >= q.from && Date.parse(s.windowStart) < q.to)
        .sort((a, b) => a.windowStart.localeCompare(b.windowStart));
    },
    size: () => rollups.length + windows.length,
  };
}
