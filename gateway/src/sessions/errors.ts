/** A roster line refused, 1-based, with a reason code a UI words in its language (`unknown_device`, `in_use`, `no_student` …). */
export interface RefusedLine { line: number; reason: string }

/** A session request the rules refuse (time span, roster lines): the API answers it with 400, the refused lines as params. */
export class SessionRuleError extends Error {
  constructor(readonly code: 'GW_ERR_SESSION_TIME' | 'GW_ERR_ROSTER', message: string, readonly lines: readonly RefusedLine[] = []) {
    super(message);
    this.name = 'SessionRuleError';
  }
}
