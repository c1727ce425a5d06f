import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';
import { toOpenApiSchema } from './validation.js';

export const docsPrefix = '/api/docs';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Fields of a multipart/form-data request body, for the API document
     * only: the route reads its parts itself, so Fastify validates nothing.
     */
    multipartBody?: z.ZodObject;
  }
}

type SchemaParts = Record<string, unknown> & {
  querystring?: unknown;
  params?: unknown;
  headers?: unknown;
  body?: unknown;
  response?: Record<string, unknown>;
};

function convertPart(part: unknown, io: 'input' | 'output'): unknown {
  return part instanceof z.ZodType ? toOpenApiSchema(part, io) : part;
}

/** Rewrites a route's zod schemas as the JSON Schema the document needs. */
function transformRouteSchema({
  schema,
  url,
  route,
}: {
  schema: unknown;
  url: string;
  route: RouteOptions;
}): { schema: Record<string, unknown>; url: string } {
  const { querystring, params, headers, body, response, ...rest } = (schema ??
    {}) as SchemaParts;
  const converted: Record<string, unknown> = { ...rest };
  if (querystring) converted.querystring = convertPart(querystring, 'input');
  if (params) converted.params = convertPart(params, 'input');
  if (headers) converted.headers = convertPart(headers, 'input');
  if (body) converted.body = convertPart(body, 'input');
  // Routes open without sign-in drop the document-wide security requirement.
  if (route.config?.public === true) converted.security = [];
  const multipartBody = route.config?.multipartBody;
  if (multipartBody) {
    converted.consumes = ['multipart/form-data'];
    converted.body = toOpenApiSchema(multipartBody, 'input');
  }
  if (response) {
    converted.response = Object.fromEntries(
      Object.entries(response).map(([status, part]) => [status, convertPart(part, 'output')]),
    );
  }
  return { schema: converted, url };
}

/** Serves the OpenAPI document at /api/docs/json and Swagger UI at /api/docs. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ardesk API',
        description:
          'Accounts receivable ledger, aging and KPIs. Amounts are decimal strings in the currency of their row, and dates are YYYY-MM-DD.',
        version: 'v1',
      },
      tags: [
        { name: 'system', description: 'Service status' },
        { name: 'ledger', description: 'Companies and customers' },
        { name: 'aging', description: 'Aging reports, open items and snapshots' },
        { name: 'kpi', description: 'DSO and collection KPIs' },
        { name: 'imports', description: 'File imports into the ledger' },
        { name: 'auth', description: 'Sign-in, sign-out and the signed-in user' },
        { name: 'users', description: 'User administration (admin)' },
        { name: 'audit', description: 'The audit trail (admin, auditor)' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'API token from `ardesk user token EMAIL`.' },
          cookieAuth: {
            type: 'apiKey',
            in: 'cookie',
            name: 'ardesk_session',
            description: 'Session cookie from POST /api/v1/auth/login; writes also need the x-csrf-token header.',
          },
        },
      },
      security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    },
    transform: transformRouteSchema,
  });
  await app.register(swaggerUi, { routePrefix: docsPrefix });
}
