/**
 * Dates and clock times in the site's time zone (`site.timezone`, reported by /api/health
 * and /api/me), not the browser's: a district officer in another zone, or a laptop set to
 * UTC, sees the school's 07:32 lesson at 07:32. Until the zone is known: the browser's.
 */
let zone: string | undefined;
const formats = new Map<string, Intl.DateTimeFormat>();

function fmt(kind: 'day' | 'clock' | 'full'): Intl.DateTimeFormat {
  const key = `${zone ?? ''}|${kind}`;
  let f = formats.get(key);
  if (f === undefined) {
    const base: Intl.DateTimeFormatOptions = { ...(zone !== undefined && { timeZone: zone }), hourCycle: 'h23' };
    f = new Intl.DateTimeFormat('en-CA', kind === 'day' ? { ...base, year: 'numeric', month: '2-digit', day: '2-digit' }
      : kind === 'clock' ? { ...base, hour: '2-digit', minute: '2-digit' }
        : { ...base, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(key, f);
  }
  return f;
}

function parts(t: number, kind: 'day' | 'clock' | 'full'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of fmt(kind).formatToParts(t)) out[p.type] = p.value;
  return out;
}

/** Sets the zone the server reported; an unknown name (an old browser) leaves the browser's. */
export function setSiteZone(name: string | undefined): void {
  if (name === undefined || name === zone) return;
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: name });
    zone = name;
  } catch {
    // keep the browser's zone
  }
}

export function siteZone(): string {
  return zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** `2026-12-05`: the site's local date. */
export function siteDay(t: number): string {
  const p = parts(t, 'day');
  return `${p.year}-${p.month}-${p.day}`;
}

/** `07:32`: the site's local clock. */
export function siteClock(t: number): string {
  const p = parts(t, 'clock');
  return `${p.hour}:${p.minute}`;
}

/** `12/5`: month and day, for long chart axes. */
export function siteMonthDay(t: number): string {
  const p = parts(t, 'day');
  return `${Number(p.month)}/${Number(p.day)}`;
}

/** `2026-12-05 07:32:00`. */
export function siteDateTime(t: number): string {
  const p = parts(t, 'full');
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
