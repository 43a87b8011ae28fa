/** Errors the HTTP API answers with, declared in one place (code, message, status). */
export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly statusCode: number) {
    super(message);
  }
}

export const apiErrors = {
  deviceNotFound: (id: string) => new ApiError('GW_ERR_DEVICE_NOT_FOUND', `no device "${id}"`, 404),
  noLatest: (id: string) => new ApiError('GW_ERR_NO_READINGS', `device "${id}" has no readings yet`, 404),
  queryUnsupported: () => new ApiError('GW_ERR_QUERY_UNSUPPORTED', 'the configured store cannot answer time-series queries', 501),
  unauthorized: () => new ApiError('GW_ERR_UNAUTHORIZED', 'a valid bearer token is required', 401),
  sessionNotFound: (id: string) => new ApiError('GW_ERR_SESSION_NOT_FOUND', `no class session "${id}"`, 404),
  templateNotFound: (id: string) => new ApiError('GW_ERR_TEMPLATE_NOT_FOUND', `no template "${id}"`, 404),
  personalData: (id: string) => new ApiError('GW_ERR_PERSONAL_DATA', `device "${id}" carries personal data: export it from a class session instead`, 403),
  forbidden: () => new ApiError('GW_ERR_FORBIDDEN', 'this token\'s role may not use this resource', 403),
};
