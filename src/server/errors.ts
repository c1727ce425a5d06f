import { MailServerError } from '../mail/mailer.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../auth/errors.js';
import { InputError, NotFoundError } from '../shared/errors.js';

export interface ErrorBody {
  error: { code: string; message: string; field: string | null };
}

function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: { code, message, field: field ?? null } };
}

/**
 * Maps every error a route throws to the JSON error body. NotFoundError
 * becomes 404, ForbiddenError 403 and InputError (validation included)
 * 400. Other client errors that Fastify or its plugins raise (bad JSON,
 * oversized upload) keep their 4xx status. Anything else becomes 500 with a generic message,
 * and is logged with its stack and the request id, which the message repeats.
 */
export function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof InputError) {
    const statusCode = error instanceof NotFoundError ? 404 : error instanceof ForbiddenError ? 403 : 400;
    request.log.info({ statusCode, code: error.code, field: error.field }, `request rejected: ${error.message}`);
    return reply.code(statusCode).send(errorBody(error.code, error.message, error.field));
  }
  if (error instanceof MailServerError) {
    request.log.warn({ statusCode: 502, code: error.code }, `mail server failed: ${error.message}`);
    return reply.code(502).send(errorBody(error.code, error.message));
  }
  const statusCode = (error as FastifyError).statusCode;
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    const code = clientErrorCode((error as FastifyError).code, statusCode);
    request.log.info({ statusCode, code }, `request rejected: ${error.message}`);
    return reply.code(statusCode).send(errorBody(code, error.message));
  }
  request.log.error({ err: error }, 'request failed');
  return reply
    .code(500)
    .send(
      errorBody(
        'internal_error',
        `internal server error; the server log has the details under request id ${request.id}`,
      ),
    );
}

/** Stable lower-case codes for the Fastify and plugin errors clients can cause. */
function clientErrorCode(fastifyCode: string | undefined, statusCode: number): string {
  switch (statusCode) {
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 406:
      return 'not_acceptable';
    case 404:
      return 'not_found';
    default:
      break;
  }
  if (fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'invalid_json';
  if (fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'invalid_json';
  return 'bad_request';
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .code(404)
    .send(
      errorBody(
        'route_not_found',
        `no route ${request.method} ${request.url.split('?')[0]}; the API is described at /api/docs`,
      ),
    );
}
