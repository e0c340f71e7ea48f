/** DRF-shaped API errors. Handlers throw these; the server turns them into JSON responses. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body && 'detail' in body ? String(body.detail) : 'error');
  }
}

export const notFound = (detail = 'Not found.'): ApiError => new ApiError(404, { detail });

export const badRequest = (detail: string): ApiError => new ApiError(400, { detail });

/** 400 with a DRF field map `{"field": ["message"]}`. */
export const fieldError = (field: string, message: string): ApiError =>
  new ApiError(400, { [field]: [message] });

export const notAuthenticated = (): ApiError =>
  new ApiError(
    401,
    { detail: 'Authentication credentials were not provided.' },
    { 'WWW-Authenticate': 'Bearer realm="api"' },
  );

export const tokenNotValid = (message = 'Token is invalid or expired'): ApiError =>
  new ApiError(
    401,
    {
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
    },
    { 'WWW-Authenticate': 'Bearer realm="api"' },
  );

export const methodNotAllowed = (method: string): ApiError =>
  new ApiError(405, { detail: `Method "${method}" not allowed.` });

const REASONS: Record<number, string> = {
  400: 'Bad request.',
  401: 'Authentication credentials were not provided.',
  403: 'You do not have permission to perform this action.',
  404: 'Not found.',
  429: 'Request was throttled.',
  500: 'A server error occurred.',
  502: 'Bad gateway.',
  503: 'Service temporarily unavailable, try again later.',
  504: 'Gateway timeout.',
};

export const defaultDetail = (status: number): string => REASONS[status] ?? `Error ${status}.`;
