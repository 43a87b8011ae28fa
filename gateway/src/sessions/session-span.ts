/** When a class session runs: its span from the request, or the rules it breaks (times are the gateway's clock). */
import { SessionRuleError } from './errors.js';
import { CLOCK_SKEW_MS, MAX_AHEAD_MS, MAX_SESSION_MS, type CreateSession } from './schema.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function sessionSpan(input: Pick<CreateSession, 'start' | 'end'>, now: number, defaultLengthMs = 45 * 60_000): { startMs: number; endMs: number } {
  const asked = input.start ? Date.parse(input.start) : now;
  const problems: string[] = [];
  if (asked < now - CLOCK_SKEW_MS) problems.push(`start lies in the past (more than ${CLOCK_SKEW_MS / 60_000} min before the gateway's clock, ${iso(now)})`);
  if (asked > now + MAX_AHEAD_MS) problems.push(`start lies more than ${MAX_AHEAD_MS / 86_400_000} days ahead`);
  // A start a little in the past (clock skew) begins now: nothing from before the request is captured.
  const startMs = Math.max(asked, now);
  const endMs = input.end ? Date.parse(input.end) : startMs + Math.min(defaultLengthMs, MAX_SESSION_MS);
  if (endMs <= startMs) problems.push('end must be after start (and after now)');
  if (endMs - startMs > MAX_SESSION_MS) problems.push(`a session lasts at most ${MAX_SESSION_MS / 3_600_000} h (end - start)`);
  if (problems.length > 0) throw new SessionRuleError('GW_ERR_SESSION_TIME', problems.join('; '));
  return { startMs, endMs };
}
