export { createPseudonymizer, PERSON_TAG, PSEUDONYM_PATTERN } from './pseudonymizer.js';
export type { Pseudonymizer, PseudonymizerOptions } from './pseudonymizer.js';
export { assertNoPersonalData, createUplinkGuard, inspect, privateKeyNames, PersonalDataError } from './guard.js';
export type { GuardReason, GuardVerdict, UplinkGuard, UplinkGuardOptions } from './guard.js';
export { createIdentifierSet } from './identifier-set.js';
export type { IdentifierSet } from './identifier-set.js';
export { loadOrCreateKey, KeyFileError, KEY_BYTES } from './key-file.js';
export { privateFieldNames } from './template-like.js';
export type { FieldLike, PrivacyClass, TemplateLike } from './template-like.js';
