/**
 * Per-device counts of a run, so it can be reconciled against the gateway's
 * store: messages and readings sent and acknowledged (QoS 1 PUBACK, which the
 * gateway sends only once the readings are stored), and bad payloads injected.
 */
export interface DeviceCount {
  device: string;
  template: string;
  transport: string;
  sent_msgs: number;
  acked_msgs: number;
  sent_readings: number;
  acked_readings: number;
  /** Deliberately bad payloads (fault injection): expected to be rejected, not stored. */
  bad_msgs: number;
  bad_acked: number;
  /** Modbus requests answered / serial lines written by the simulator (not acknowledged by anyone). */
  served?: number;
}

export interface Tally {
  get(device: string, template: string, transport: string): DeviceCount;
  all(): DeviceCount[];
  totals(): Omit<DeviceCount, 'device' | 'template' | 'transport'> & { devices: number };
  /** Publish → PUBACK latency of a sample of acknowledged messages (ms). */
  latency(ms: number): void;
  latencies(): number[];
}

const LATENCY_SAMPLES = 200_000;

export function createTally(): Tally {
  const map = new Map<string, DeviceCount>();
  const lat: number[] = [];
  let seen = 0;
  return {
    latency(ms) {
      seen++;
      if (lat.length < LATENCY_SAMPLES) lat.push(ms);
      else {
        const j = Math.floor(Math.random() * seen);
        if (j < LATENCY_SAMPLES) lat[j] = ms;
      }
    },
    latencies: () => [...lat],
    get(device, template, transport) {
      let c = map.get(device);
      if (!c) map.set(device, (c = { device, template, transport, sent_msgs: 0, acked_msgs: 0, sent_readings: 0, acked_readings: 0, bad_msgs: 0, bad_acked: 0 }));
      return c;
    },
    all: () => [...map.values()],
    totals() {
      const t = { devices: map.size, sent_msgs: 0, acked_msgs: 0, sent_readings: 0, acked_readings: 0, bad_msgs: 0, bad_acked: 0, served: 0 };
      for (const c of map.values()) {
        t.sent_msgs += c.sent_msgs; t.acked_msgs += c.acked_msgs; t.sent_readings += c.sent_readings;
        t.acked_readings += c.acked_readings; t.bad_msgs += c.bad_msgs; t.bad_acked += c.bad_acked; t.served += c.served ?? 0;
      }
      return t;
    },
  };
}
