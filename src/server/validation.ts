import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifySchemaCompiler,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { z } from 'zod';
import { isIsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';

/**
 * Fastify type provider for routes whose `schema` parts are zod schemas:
 * handlers see the parsed output type of each part.
 */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

export type ApiInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * Compiles a route's zod schema into a Fastify validator. A failed parse
 * becomes an InputError naming the first offending parameter, so the
 * error handler returns 400 with that parameter as `field`.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({
  schema,
  httpPart,
}) => {
  return (data: unknown) => {
    const result = schema.safeParse(data ?? {});
    if (result.success) return { value: result.data };
    return { error: issueToInputError(result.error.issues[0], data, httpPart) };
  };
};

function issueToInputError(
  issue: z.core.$ZodIssue | undefined,
  data: unknown,
  httpPart: string | undefined,
): InputError {
  if (!issue) return new InputError('invalid request', 'invalid_parameter');
  const path = issue.path.map(String);
  const field = path.length > 0 ? path.join('.') : undefined;
  const value = field === undefined ? undefined : valueAt(data, issue.path);
  const where = httpPart === 'body' ? 'field' : 'parameter';
  if (field === undefined) {
    return new InputError(`invalid request ${httpPart}: ${issue.message}`, 'invalid_parameter');
  }
  if (value === undefined) {
    return new InputError(
      `missing ${where} "${field}": ${issue.message}`,
      'missing_parameter',
      field,
    );
  }
  return new InputError(
    `invalid ${where} "${field}" (value ${JSON.stringify(value)}): ${issue.message}`,
    'invalid_parameter',
    field,
  );
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Converts a zod schema to the OpenAPI 3.0 flavour of JSON Schema. */
export function toOpenApiSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
  });
}

// Parameter schemas shared by several routes.

export const isoDateSchema = z
  .string()
  .refine(isIsoDate, { error: 'expected a calendar date as YYYY-MM-DD' })
  .meta({ format: 'date', example: '2026-03-31' });

/** Company codes as `company=A,B` or `company=A&company=B`. */
export const companyListSchema = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) =>
    [value ?? []]
      .flat()
      .flatMap((text) => text.split(','))
      .map((code) => code.trim())
      .filter((code) => code !== ''),
  )
  .meta({
    description:
      'Company code. Give several as a comma-separated list or by repeating the parameter. All companies when omitted.',
  });

export function integerSchema(options: {
  min: number;
  max: number;
  default: number;
  description: string;
}) {
  const range = `a whole number from ${options.min} to ${options.max}`;
  return z.coerce
    .number({ error: `expected ${range}` })
    .int({ error: `expected ${range}` })
    .min(options.min, { error: `expected ${range}` })
    .max(options.max, { error: `expected ${range}` })
    .default(options.default)
    .meta({ description: options.description });
}

export const booleanSchema = z
  .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
  .transform((text) => text === 'true' || text === '1');

export const limitSchema = integerSchema({
  min: 1,
  max: 1000,
  default: 100,
  description: 'Page size.',
});

export const offsetSchema = integerSchema({
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  default: 0,
  description: 'Rows to skip before the page starts.',
});

/** The JSON body of every error response. */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'invalid_parameter' }),
      message: z.string(),
      field: z
        .string()
        .nullable()
        .meta({ description: 'The request parameter or field at fault, when one is.' }),
    }),
  });
