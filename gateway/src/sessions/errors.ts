/** A session request the rules refuse (time span, roster lines): the API answers it with 400. */
export class SessionRuleError extends Error {
  constructor(readonly code: 'GW_ERR_SESSION_TIME' | 'GW_ERR_ROSTER', message: string) {
    super(message);
    this.name = 'SessionRuleError';
  }
}
