import { STATUS_CODES } from 'node:http';
import { edgentCode } from '@edgent/errors';
import { httpStatusOf } from '@edgent/protocol';
import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from 'fastify';

/**
 * Every HTTP error answer of the edge, built in one place: routes and hooks
 * throw a coded error (EdgeError, DatasetError, ...), and this answers it as
 * `{ statusCode, code, error, message }` with the status the wire registry
 * gives its code (`WIRE_CODES` of @edgent/protocol). A query that fails its
 * route's schema is EDGENT_ERR_BAD_QUERY (400); anything else is logged and
 * answered EDGENT_ERR_INTERNAL (500) without its details.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let code: string;
    let message: string;
    let statusCode: number;
    const coded = edgentCode(error);
    if (error.validation) {
      code = 'EDGENT_ERR_BAD_QUERY';
      message = validationMessage(error.validation, request.url);
      statusCode = 400;
    } else if (coded) {
      code = coded;
      message = error.message;
      statusCode = httpStatusOf(code);
    } else if (error.statusCode !== undefined && error.statusCode < 500) {
      // Fastify's own refusals (a body too large, a bad content type): its status, our shape.
      code = 'EDGENT_ERR_BAD_QUERY';
      message = error.message;
      statusCode = error.statusCode;
    } else {
      request.log.error({ err: error }, 'unexpected error in a route');
      code = 'EDGENT_ERR_INTERNAL';
      message = 'the edge failed in a way it has no code for; its log has the details';
      statusCode = 500;
    }
    if (statusCode >= 500) request.log.warn({ code, message }, 'route answered with an error');
    return reply
      .code(statusCode)
      .send({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
  });
}

/** What a query that failed its schema got wrong, naming the parameter, what it takes and what came. */
function validationMessage(issues: readonly FastifySchemaValidationError[], url: string): string {
  const query = new URL(url, 'http://edge').searchParams;
  return issues
    .map((issue) => {
      const name = issue.instancePath.replace(/^\//, '');
      const allowed = (issue.params as { allowedValues?: unknown[] }).allowedValues;
      const takes = allowed
        ? `must be one of ${allowed.join(', ')}`
        : (issue.message ?? 'is invalid');
      return name ? `${name} ${takes}, got ${JSON.stringify(query.get(name))}` : takes;
    })
    .join('; ');
}
