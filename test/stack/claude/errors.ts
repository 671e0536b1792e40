/** @module Messages API errors in the stand-in: error types with their HTTP statuses, request ids and the real error envelope. */
/** Error types of the Messages API, with the HTTP status the real API pairs them with. */
const STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  not_found_error: 404,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
} as const;

export type ApiErrorType = keyof typeof STATUS;

/** Thrown anywhere in request handling; the host turns it into the real error envelope. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly type: ApiErrorType,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = STATUS[type];
  }
}

export function invalidRequest(message: string): ApiError {
  return new ApiError("invalid_request_error", message);
}

/** `request-id` header and `request_id` body field, as the real API sends on every response. */
export function newRequestId(): string {
  return `req_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

export function errorResponse(error: ApiError, requestId: string): Response {
  const body = { type: "error", error: { type: error.type, message: error.message }, request_id: requestId };
  return Response.json(body, { status: error.status, headers: { ...error.headers, "request-id": requestId } });
}
