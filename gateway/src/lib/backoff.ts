/**
 * Capped exponential backoff with jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the one used by the uplink, the hub, the adapters and the influx store.
 *
 * `attempt` counts failures: 0 (none yet) waits 0, 1 waits about `baseMs`, each further
 * failure doubles the step up to `capMs`. Two jitters:
 * - `full` (default; the adapters): anywhere in [min(base/2, step), step]; the widest spread for
 *   many devices on one bus, with a floor of half the base so a failing device is not hammered
 *   when random() is small;
 * - `equal` (uplink, hub, influx store): half the step fixed, half random, [step/2, step]; the
 *   wait always grows, and 100 schools reconnecting to one hub do not come back in step.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** Default `full`. */
  jitter?: 'equal' | 'full';
  /** [0, 1), injected by tests. */
  random?: () => number;
}

/** The step before jitter: min(cap, base·2^(attempt−1)); the exponent is bounded so a long outage cannot overflow. */
export function backoffStep(attempt: number, policy: Pick<BackoffPolicy, 'baseMs' | 'capMs'>): number {
  if (attempt <= 0) return 0;
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
}

/** Milliseconds to wait after `attempt` failures (a whole number). */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const step = backoffStep(attempt, policy);
  if (step === 0) return 0;
  const random = policy.random ?? Math.random;
  const floor = policy.jitter === 'equal' ? step / 2 : Math.min(policy.baseMs / 2, step);
  return Math.round(floor + random() * (step - floor));
}
