// The one place where errors become responses: `{ error: { code, message }, ...details }`.
// ApiErrors carry their own status; Fastify's own 4xx (body too large, bad JSON, wrong
// content type) get a code and a message a person can act on; anything else is a 500
// that is logged and not described.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

export function createErrorHandler(options: { bodyLimitBytes: number }) {
	return function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
		const apiError = toApiError(error, options.bodyLimitBytes);
		if (!apiError) {
			request.log.error({ err: error }, 'unexpected error');
			return reply.status(500).send({ error: { code: 'internal', message: 'the collector failed to handle this request; see its log' } });
		}
		return reply
			.status(apiError.status)
			.headers(apiError.headers)
			.send({ error: { code: apiError.code, message: apiError.message }, ...apiError.details });
	};
}

function toApiError(error: FastifyError | Error, bodyLimitBytes: number): ApiError | undefined {
	if (error instanceof ApiError) return error;
	const { code, statusCode } = error as FastifyError;
	switch (code) {
		case 'FST_ERR_CTP_BODY_TOO_LARGE':
			return new ApiError(413, 'body_too_large', `the body is larger than ${formatBytes(bodyLimitBytes)}; send fewer events per request`, { limit: bodyLimitBytes });
		case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
			return new ApiError(415, 'unsupported_media_type', 'send events as application/x-ndjson and everything else as application/json');
		case 'FST_ERR_CTP_INVALID_JSON_BODY':
			return new ApiError(400, 'invalid_json', 'the body is not valid JSON');
		case 'FST_ERR_CTP_EMPTY_JSON_BODY':
			return new ApiError(400, 'invalid_json', 'the body is empty; send a JSON object');
		case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
			return new ApiError(400, 'bad_request', 'the Content-Length does not match the body');
		default:
			break;
	}
	if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return new ApiError(statusCode, 'bad_request', error.message);
	return undefined;
}

function formatBytes(bytes: number): string {
	return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB (${bytes} bytes)` : `${bytes} bytes`;
}
