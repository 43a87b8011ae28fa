/** Small numeric helpers shared by the device models. */
export const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;
export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
export const jitter = (scale: number): number => (Math.random() - 0.5) * 2 * scale;
export const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
export const chance = (p: number): boolean => Math.random() < p;
/** Simulated hours elapsed over a tick (real seconds × speed-up). */
export const simHours = (dtSeconds: number, speed = 30): number => (dtSeconds * speed) / 3600;
