/**
 * The store interface every backend implements (embedded SQLite, InfluxDB v1/v2).
 * One shared test suite runs against each implementation (aedes-persistence style).
 */
import type { FieldValue, Reading } from '../core/reading.js';

export interface SeriesQuery {
  device: string;
  field: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Bucket width in ms for downsampling (mean for numbers, last for others); raw points when absent. */
  everyMs?: number;
  /** With everyMs: the min and max of each bucket too (numbers only), for a chart's min/max band when zoomed out. */
  spread?: boolean;
}

export interface SeriesPoint {
  ts: number;
  value: FieldValue;
  /** The bucket's smallest and largest value (a `spread` query of a numeric field). */
  min?: number;
  max?: number;
}

export interface StoreHealth {
  kind: string;
  ok: boolean;
  /** Readings written since start. */
  written: number;
  /** Readings dropped, by reason (never silently). */
  dropped: Record<string, number>;
  detail?: Record<string, unknown>;
}

export interface ReadingStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Accepts readings. Resolves once they are durably accepted by this store
   * (written, or spooled to disk for a later retry). Idempotent: the same
   * series (measurement + tags) and timestamp overwrites.
   */
  write(readings: readonly Reading[]): Promise<void>;
  /** Time series of one field of one device; undefined when the backend cannot answer queries. */
  query?(q: SeriesQuery): Promise<SeriesPoint[]>;
  /**
   * Templates of the device's stored series with points in [from, to) (a backend may answer for
   * all time). The readings API decides privacy by them: a device deleted from the registry keeps
   * its stored series, and their template still says what they hold.
   */
  seriesTemplates?(device: string, from: number, to: number): Promise<string[]>;
  /** Latest fields per device as stored, used to warm the registry after a restart. */
  latest?(): Promise<Map<string, { template: string; ts: number; fields: Record<string, FieldValue> }>>;
  health(): StoreHealth;
}
