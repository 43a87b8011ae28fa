/**
 * A school-day clock for simulations: virtual time of day that runs `speed`
 * times faster than real time and loops over the school day, so a demo shows
 * lessons starting and ending within minutes.
 */
export interface SchoolClock {
  /** Minutes since midnight of the simulated day (fractional). */
  minuteOfDay(): number;
  /** Real epoch ms, for payload timestamps. */
  now(): number;
  speed: number;
}

export function createSchoolClock(opts: { speed?: number; startMinute?: number; endMinute?: number; now?: () => number } = {}): SchoolClock {
  const speed = opts.speed ?? 30;
  const start = opts.startMinute ?? 7 * 60 + 30;
  const end = opts.endMinute ?? 18 * 60;
  const now = opts.now ?? Date.now;
  const t0 = now();
  return {
    speed,
    now,
    minuteOfDay() {
      const elapsed = ((now() - t0) / 60_000) * speed;
      return start + (elapsed % (end - start));
    },
  };
}

/** Lesson periods of a typical Chinese primary/secondary school day, minutes since midnight. */
export const PERIODS: ReadonlyArray<readonly [number, number]> = [
  [8 * 60, 8 * 60 + 45], [8 * 60 + 55, 9 * 60 + 40], [10 * 60, 10 * 60 + 45], [10 * 60 + 55, 11 * 60 + 40],
  [14 * 60, 14 * 60 + 45], [14 * 60 + 55, 15 * 60 + 40], [15 * 60 + 50, 16 * 60 + 35],
];

/** The period index at a minute of the day, or -1 between lessons. */
export function periodAt(minute: number): number {
  return PERIODS.findIndex(([a, b]) => minute >= a && minute < b);
}

/** Whether a room has a class in a period: deterministic, most rooms busy most periods. */
export function roomHasClass(roomIndex: number, period: number): boolean {
  if (period < 0) return false;
  return (roomIndex * 7 + period * 3) % 5 !== 0;
}
