/**
 * The loads of the fixed-rate latency section, described by a plain `spec` too, so that the
 * load generator's own process (`open-loop-child.ts`) can build the same load from a message.
 * Kept free of the gateway's code: the generator imports only this, the MQTT client and stats.
 */

/** What a load is, as data: telemetry at `rate` msg/s, or `classrooms` of 40 pens writing. */
export type FixedRateSpec = { kind: 'telemetry'; rate: number } | { kind: 'pens'; classrooms: number };

/** One open-loop load of the fixed-rate latency section. */
export interface FixedRateLoad {
  /** What the row says, e.g. `1,000 msg/s telemetry`. */
  label: string;
  spec: FixedRateSpec;
  /** Messages per second, all devices together. */
  rate: number;
  /** Devices, one connection each. */
  devices: number;
  topic(device: number): string;
  device(device: number): string;
  payload(device: number, seq: number, ts: number): string;
}

/** One stroke of `points` points, ~100 points/s (dt 8–12 ms), as a pen receiver batches it. */
export function strokePayload(pen: string, seq: number, t0: number, points = 100): string {
  const pts: string[] = [];
  for (let i = 0; i < points; i++) pts.push(`[${1000 + i * 3},${850 + (i % 7)},${400 + (i % 300)},${i === 0 ? 0 : 8 + (i % 5)}]`);
  return `{"pen":"${pen}","page":"8.12.33.${seq % 40}","bat":78,"strokes":[{"t0":${t0},"pts":[${pts.join(',')}]}]}`;
}

/** QoS 1 classroom-light telemetry from 100 devices at `rate` msg/s. */
export function telemetryAt(rate: number): FixedRateLoad {
  const device = (c: number) => `bench-R-${c}`;
  return {
    label: `${rate.toLocaleString('en')} msg/s telemetry`, spec: { kind: 'telemetry', rate }, rate, devices: 100, device,
    topic: (c) => `campus/classroom-light/${device(c)}/telemetry`,
    payload: (_c, seq, ts) => `{"on":true,"bri":${seq % 100},"cct":5000,"lux":512,"pw":36.5,"ts":${ts}}`,
  };
}

/**
 * Classrooms of 40 pens writing: each pen sends one 100-point stroke a second (~4,000 points/s
 * and 40 msg/s a classroom). The stroke starts at the message's time, so `/latest` shows it.
 */
export function pensAt(classrooms: number): FixedRateLoad {
  const device = (c: number) => `P-lat-${c}`;
  return {
    label: `${classrooms} classroom${classrooms === 1 ? '' : 's'} of 40 pens (${(classrooms * 4_000).toLocaleString('en')} points/s)`,
    spec: { kind: 'pens', classrooms }, rate: classrooms * 40, devices: classrooms * 40, device,
    topic: (c) => `campus/smart-pen/${device(c)}/telemetry`,
    payload: (c, seq, ts) => strokePayload(device(c), seq, ts),
  };
}

/** The load a spec describes. */
export function loadFor(spec: FixedRateSpec): FixedRateLoad {
  return spec.kind === 'telemetry' ? telemetryAt(spec.rate) : pensAt(spec.classrooms);
}
