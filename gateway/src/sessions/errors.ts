import { GatewayError } from '../errors.js';

/** A session request the rules refuse (time span, roster lines): the API answers it with 400. */
export class SessionRuleError extends GatewayError {
  declare readonly code: 'GW_ERR_SESSION_TIME' | 'GW_ERR_ROSTER';
  constructor(code: 'GW_ERR_SESSION_TIME' | 'GW_ERR_ROSTER', message: string) {
    super(code, message);
    this.name = 'SessionRuleError';
  }
}
