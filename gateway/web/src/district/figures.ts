/** Pure arithmetic of the district page: weeks, per-student figures, ranking. */
export interface DayFigures { energy_kwh: number; left_on_min: number; board_on_min: number; co2_high_min: number }

export interface SchoolRow {
  id: string;
  name: string;
  silent: boolean;
  today: number;
  thisWeek: DayFigures;
  lastWeekKwh: number;
  perStudent: number | null;
  perM2: number | null;
}

/** The local dates (YYYY-MM-DD) of the last `n` days ending today in `tz`, oldest first. */
export function lastDays(n: number, tz: string, now = Date.now()): string[] {
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(fmt.format(now - i * 86_400_000));
  return out;
}

export function sumDays(days: Record<string, DayFigures> | undefined, keys: readonly string[]): DayFigures {
  const s = { energy_kwh: 0, left_on_min: 0, board_on_min: 0, co2_high_min: 0 };
  for (const k of keys) {
    const d = days?.[k];
    if (d === undefined) continue;
    s.energy_kwh += d.energy_kwh;
    s.left_on_min += d.left_on_min;
    s.board_on_min += d.board_on_min;
    s.co2_high_min += d.co2_high_min;
  }
  return s;
}

export const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

export function change(now: number, before: number): number | null {
  return before > 0 ? round(((now - before) / before) * 100, 0) : null;
}

/** Ranked best first (least energy per student; per m² for schools without students; others last). */
export function rank(rows: readonly SchoolRow[]): SchoolRow[] {
  const key = (r: SchoolRow) => (r.perStudent !== null ? [0, r.perStudent] : r.perM2 !== null ? [1, r.perM2] : [2, 0]) as [number, number];
  return [...rows].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1] || a.id.localeCompare(b.id));
}
