// The one error type the collector's routes throw; error-handler.ts turns it (and anything
// else) into `{ error: { code, message }, ...details }` with the right status.

/** An HTTP error a client can act on: status, a stable code, a readable message, extra fields. */
export class ApiError extends Error {
	override name = 'ApiError';
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		/** Extra top-level fields of the body, e.g. `{ expectedSeq: 12 }`. */
		readonly details: Record<string, unknown> = {},
		/** Extra response headers, e.g. WWW-Authenticate on 401. */
		readonly headers: Record<string, string> = {},
	) {
		super(message);
	}
}

export function badRequest(code: string, message: string, details?: Record<string, unknown>): ApiError {
	return new ApiError(400, code, message, details);
}

export function notFound(message: string): ApiError {
	return new ApiError(404, 'not_found', message);
}

export function forbidden(message: string): ApiError {
	return new ApiError(403, 'forbidden', message);
}
