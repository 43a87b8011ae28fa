/**
 * A normalized reading: what every transport's decoder produces and every store
 * consumes. Field names are the catalog's snake_case names with a unit suffix.
 */
export type FieldValue = number | boolean | string;

export interface Reading {
  /** Template id, e.g. `classroom-light`. The measurement is this with `-` → `_`. */
  template: string;
  /** Device id (the MQTT client/username, or the adapter's `deviceId`). */
  device: string;
  /** Epoch milliseconds: the payload's `ts` when given, else the gateway's receive time. */
  ts: number;
  /** Normalized fields. Values marked `id` in the template are pseudonymized before a shared store. */
  fields: Record<string, FieldValue>;
  /** Extra tags the template declares (e.g. smart-pen `page`, `stroke`); site/building/room/person are added by the pipeline. */
  tags: Record<string, string>;
  /** For event payloads (`evt`): the event name, e.g. `checkin`, `access`. */
  event?: string;
}

/** Measurement name of a template per docs/interfaces.md: `-` replaced by `_`. */
export function measurementOf(templateId: string): string {
  return templateId.replaceAll('-', '_');
}
