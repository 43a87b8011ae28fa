/**
 * Stage 5, de-identify: every field and tag the template marks `privacy: id`, and the person
 * tag, become the pseudonymizer's `p-…` pseudonyms (privacy/pseudonymizer.ts) before anything is
 * stored or handed on; nothing after this stage sees a clear identifier.
 */
import type { Reading } from '../core/reading.js';
import type { Template } from '../templates/index.js';

export interface Deidentifier {
  deidentify(readings: Reading[], template: Template): Reading[];
}

export function deidentify(readings: Reading[], template: Template, privacy: Deidentifier | undefined): Reading[] {
  return privacy ? privacy.deidentify(readings, template) : readings;
}
