/**
 * The part of a device template (gateway/src/templates) that privacy, summaries and
 * alarms read: field names, units, roles, privacy classes and alarm declarations.
 * Structural, so the template engine's `Template` is assignable to it.
 */
import type { Behaviour } from '../templates/behaviour.js';

export type PrivacyClass = 'id' | 'health';

export interface FieldLike {
  readonly name: string;
  readonly type: string;
  readonly unit?: string | undefined;
  /** Allowed values of an `enum` field. */
  readonly values?: readonly string[] | undefined;
  readonly privacy?: PrivacyClass | undefined;
  readonly role: string;
  /** boolean field: `true` means alarm; enum field: the values that are alarms. */
  readonly alarm?: boolean | readonly string[] | undefined;
}

export interface TemplateLike {
  readonly id: string;
  readonly category?: string | undefined;
  readonly fields: readonly FieldLike[];
  readonly tags?: readonly string[] | undefined;
  /** A device silent for longer than this is offline. */
  readonly offlineAfterMs?: number | undefined;
  /** How often the device sends while it works: live views call it connected only while its last data is younger. */
  readonly reportIntervalMs?: number | undefined;
  /** What summaries and class sessions read from this device type (templates/behaviour.ts). */
  readonly behaviour?: Behaviour | undefined;
}

/** Names of the fields of a template marked with a privacy class. */
export function privateFieldNames(template: TemplateLike, cls: PrivacyClass): string[] {
  return template.fields.filter((f) => f.privacy === cls).map((f) => f.name);
}
