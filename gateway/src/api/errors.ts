import { ERROR_CODES, GatewayError, type ErrorCodeEntry, type KnownErrorCode } from '../errors.js';

/**
 * An error the HTTP API answers with: a GatewayError with the status (the table's, unless the
 * route gives another) and any headers. The answer is `{ error: { code, message, params } }`:
 * `params` go out beside the code so a client words the error in its own language (the dashboard
 * in zh-CN): line numbers, seconds. Never a personal value.
 */
export class ApiError extends GatewayError {
  declare readonly statusCode: number;
  constructor(code: KnownErrorCode, message: string, statusCode?: number, readonly headers: Readonly<Record<string, string>> = {}, readonly params?: Readonly<Record<string, unknown>>) {
    const entry: ErrorCodeEntry = ERROR_CODES[code];
    super(code, message, { statusCode: statusCode ?? entry.status ?? 500 });
    this.name = 'ApiError';
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export const apiErrors = {
  deviceNotFound: (id: string) => new ApiError('GW_ERR_DEVICE_NOT_FOUND', `no device "${id}"`, 404),
  noLatest: (id: string) => new ApiError('GW_ERR_NO_READINGS', `device "${id}" has no readings yet`, 404),
  queryUnsupported: () => new ApiError('GW_ERR_QUERY_UNSUPPORTED', 'the configured store cannot answer time-series queries', 501),
  unauthorized: () => new ApiError('GW_ERR_UNAUTHORIZED', 'a valid bearer token is required', 401),
  /** Too many failed tokens from this address: no token is checked until Retry-After. */
  authRateLimited: (retryAfterMs: number) => new ApiError('GW_ERR_AUTH_RATE_LIMITED', `too many failed tokens from this address: try again in ${seconds(retryAfterMs)} s`, 429, { 'retry-after': String(seconds(retryAfterMs)) }, { seconds: seconds(retryAfterMs) }),
  /** Every token-check slot is taken and the queue is full. */
  authBusy: () => new ApiError('GW_ERR_AUTH_BUSY', 'too many token checks under way: try again shortly', 503, { 'retry-after': '1' }),
  sessionNotFound: (id: string) => new ApiError('GW_ERR_SESSION_NOT_FOUND', `no class session "${id}"`, 404),
  templateNotFound: (id: string) => new ApiError('GW_ERR_TEMPLATE_NOT_FOUND', `no template "${id}"`, 404),
  // The device id is not repeated: the refusal says nothing about whose series it was.
  personalData: () => new ApiError('GW_ERR_PERSONAL_DATA',
    'this series carries personal data (a field marked id or health, or a device of such a template): only an admin token reads it; a teacher exports it from a class session', 403),
  forbidden: () => new ApiError('GW_ERR_FORBIDDEN', 'this token\'s role may not use this resource', 403),
  notFound: () => new ApiError('GW_ERR_NOT_FOUND', 'no such resource', 404),
};
