import { GatewayError } from '../errors.js';

/** A roster line refused, 1-based, with a reason code a UI words in its language (`unknown_device`, `in_use`, `no_student` …). */
export interface RefusedLine { line: number; reason: string }

/** A session request the rules refuse (time span, roster lines): the API answers it with 400, the refused lines as params. */
export class SessionRuleError extends GatewayError {
  declare readonly code: 'GW_ERR_SESSION_TIME' | 'GW_ERR_ROSTER';
  constructor(code: 'GW_ERR_SESSION_TIME' | 'GW_ERR_ROSTER', message: string, readonly lines: readonly RefusedLine[] = []) {
    super(code, message);
    this.name = 'SessionRuleError';
  }
}
