/**
 * The uplink guard: the last check on every message before it may leave the school.
 * It refuses a message that carries, anywhere in its JSON (keys or values, at any depth):
 * - a key named like a template field marked `id` or `health`, or `person` (by name);
 * - a string equal to, or containing as a token, a clear identifier seen at ingest (by value).
 * Summaries are built so that neither can happen; the guard makes a mistake there a
 * counted refusal instead of a leak.
 */
import { PERSON_TAG } from './pseudonymizer.js';
import type { IdentifierSet } from './identifier-set.js';
import type { TemplateLike } from './template-like.js';

export type GuardReason = 'private_field' | 'clear_identifier';

export class PersonalDataError extends Error {
  readonly code = 'GW_ERR_PERSONAL_DATA';
  constructor(readonly reason: GuardReason, readonly path: string) {
    super(`GW_ERR_PERSONAL_DATA: outbound message refused: ${reason} at ${path}`);
  }
}

export type GuardVerdict = { ok: true } | { ok: false; reason: GuardReason; path: string };

const TOKEN_SPLIT = /[^A-Za-z0-9_-]+/;

export function privateKeyNames(templates: Iterable<TemplateLike>): Set<string> {
  const names = new Set<string>([PERSON_TAG]);
  for (const t of templates) for (const f of t.fields) if (f.privacy !== undefined) names.add(f.name);
  return names;
}

function carriesIdentifier(s: string, identifiers: IdentifierSet | undefined): boolean {
  if (identifiers === undefined || identifiers.size === 0) return false;
  if (identifiers.has(s)) return true;
  for (const token of s.split(TOKEN_SPLIT)) if (token !== s && token.length > 0 && identifiers.has(token)) return true;
  return false;
}

export function inspect(message: unknown, keys: ReadonlySet<string>, identifiers?: IdentifierSet): GuardVerdict {
  const stack: Array<[unknown, string]> = [[message, '$']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (carriesIdentifier(value, identifiers)) return { ok: false, reason: 'clear_identifier', path };
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push([v, `${path}[${i}]`]));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (keys.has(k)) return { ok: false, reason: 'private_field', path: `${path}.${k}` };
        if (carriesIdentifier(k, identifiers)) return { ok: false, reason: 'clear_identifier', path: `${path}.<key>` };
        stack.push([v, `${path}.${k}`]);
      }
    }
  }
  return { ok: true };
}

/** Throws PersonalDataError if the message carries a private field or a known clear identifier. */
export function assertNoPersonalData(message: unknown, templates: Iterable<TemplateLike>, identifiers?: IdentifierSet): void {
  const verdict = inspect(message, privateKeyNames(templates), identifiers);
  if (!verdict.ok) throw new PersonalDataError(verdict.reason, verdict.path);
}

export interface UplinkGuard {
  check(message: unknown): GuardVerdict;
  /** Refusals so far, by reason. */
  refused(): Record<GuardReason, number>;
}

export interface UplinkGuardOptions {
  /** Called for each check, so templates registered later are covered. */
  templates: () => Iterable<TemplateLike>;
  identifiers?: IdentifierSet;
}

export function createUplinkGuard(options: UplinkGuardOptions): UplinkGuard {
  const counts: Record<GuardReason, number> = { private_field: 0, clear_identifier: 0 };
  let cachedFrom: unknown;
  let keys = new Set<string>();
  return {
    check(message) {
      const templates = options.templates();
      if (templates !== cachedFrom) {
        keys = privateKeyNames(templates);
        cachedFrom = templates;
      }
      const verdict = inspect(message, keys, options.identifiers);
      if (!verdict.ok) counts[verdict.reason]++;
      return verdict;
    },
    refused: () => ({ ...counts }),
  };
}
