import { z } from 'zod';
import type { Db } from '../../db/types.js';
import {
  importIbmAr,
  importMappedFile,
  type ImportMapping,
  type ImportResult,
} from '../../integration/index.js';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../auth/errors.js';
import { actorOf } from '../../auth/request.js';
import type { Actor } from '../../auth/types.js';
import { InputError } from '../../shared/errors.js';
import { withUpload, type SavedUpload } from '../upload.js';
import { errorResponseSchema, type ApiInstance } from '../validation.js';

const companyField = z
  .string()
  .optional()
  .meta({ description: 'Company code the rows go to (default MAIN), created when new.' });
const currencyField = z
  .string()
  .optional()
  .meta({ description: 'Local currency of a company the import creates, ISO 4217 (default USD).' });
const fileField = z
  .string()
  .meta({ format: 'binary', description: 'The file to import.' });

const ibmArBody = z.object({ file: fileField, company: companyField, currency: currencyField });
const csvBody = z.object({
  file: fileField.meta({ description: 'The CSV or XLSX file to import.' }),
  mapping: z.string().meta({
    description: 'The column mapping as JSON text (the format of docs/import-mapping.md).',
  }),
  company: companyField,
  currency: currencyField,
});

const importResponseSchema = z
  .object({
    file: z.string().meta({ description: 'The file name the client sent.' }),
    companies: z.array(
      z.object({
        company: z.string(),
        importId: z.string().nullable().meta({ description: 'Id of the import batch; null when nothing was new.' }),
        rows: z.number().int(),
        itemsInserted: z.number().int(),
        itemsSkipped: z.number().int().meta({ description: 'Items already imported before, by source key.' }),
        allocationsInserted: z.number().int(),
        allocationsSkipped: z.number().int(),
      }),
    ),
  })
  .describe('What the import wrote, per company. Importing the same file again writes nothing.');

const uploadFields = z.object({
  company: z.string().trim().min(1).optional(),
  currency: z.string().trim().min(1).optional(),
});

function importResponse(fileName: string, results: ImportResult[]) {
  return {
    file: fileName,
    companies: results.map((result) => ({
      company: result.companyCode,
      importId: result.importId === null ? null : result.importId.toString(),
      rows: result.rows,
      itemsInserted: result.itemsInserted,
      itemsSkipped: result.itemsSkipped,
      allocationsInserted: result.allocationsInserted,
      allocationsSkipped: result.allocationsSkipped,
    })),
  };
}

/**
 * Returns the actor of an import request. An import writes whole company
 * ledgers, so a user limited to some regions may not import.
 */
function importingActor(request: FastifyRequest): Actor {
  const actor = actorOf(request);
  if (actor.scope.regions !== null) {
    throw new ForbiddenError('an import writes every region of a company, and your scope is limited to some regions', {
      action: 'import',
      entity: 'import_batch',
      entityId: null,
    });
  }
  return actor;
}

/** Reads the optional company and currency text fields of an upload. */
function companyAndCurrency(upload: SavedUpload): { company?: string; currency?: string } {
  const result = uploadFields.safeParse(upload.fields);
  if (!result.success) {
    const field = String(result.error.issues[0]?.path[0] ?? 'company');
    throw new InputError(`invalid field "${field}": expected non-empty text`, 'invalid_parameter', field);
  }
  return result.data;
}

/**
 * Parses the mapping field as a JSON object. A string is rejected rather
 * than passed on, because the importer reads a string mapping as a path on
 * the server's file system.
 */
function parseMappingField(upload: SavedUpload): ImportMapping {
  const text = upload.fields.mapping;
  if (text === undefined || text.trim() === '') {
    throw new InputError('missing field "mapping": send the column mapping as JSON text', 'missing_parameter', 'mapping');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`invalid field "mapping": not valid JSON (${(error as Error).message})`, 'invalid_mapping', 'mapping');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('invalid field "mapping": expected a JSON object', 'invalid_mapping', 'mapping');
  }
  return value as ImportMapping;
}

/**
 * Runs an import on the saved file. Errors name the temporary path, so it
 * is replaced by the client's file name before the message goes out.
 */
async function runImport(
  upload: SavedUpload,
  work: (path: string) => Promise<ImportResult[]>,
): Promise<ReturnType<typeof importResponse>> {
  try {
    return importResponse(upload.fileName, await work(upload.path));
  } catch (error) {
    if (error instanceof ForbiddenError) throw error;
    if (error instanceof InputError) {
      const message = error.message.replaceAll(upload.path, upload.fileName);
      throw Object.assign(new InputError(message, error.code, error.field), { cause: error });
    }
    throw error;
  }
}

export async function registerImportRoutes(app: ApiInstance, db: Db): Promise<void> {
  // NOTE: the importers record the temporary path as the import's source
  // file, because they take no separate display name.
  app.post(
    '/imports/ibm-ar',
    {
      config: { multipartBody: ibmArBody, permission: 'import' },
      schema: {
        tags: ['imports'],
        summary: 'Import an IBM late-payment AR ledger (CSV upload)',
        description:
          'multipart/form-data with the file in the part "file". The whole file is checked before anything is written, and a bad row returns 400 naming the line, column and value.',
        response: {
          200: importResponseSchema,
          400: errorResponseSchema.describe('Invalid file, row or field.'),
          403: errorResponseSchema.describe('The role may not import, or a company is outside the scope.'),
          413: errorResponseSchema.describe('The file is larger than the server accepts.'),
        },
      },
    },
    async (request) => {
      const actor = importingActor(request);
      return withUpload(request, (upload) =>
        runImport(upload, (path) => importIbmAr(db, path, { ...companyAndCurrency(upload), actor })),
      );
    },
  );

  app.post(
    '/imports/csv',
    {
      config: { multipartBody: csvBody, permission: 'import' },
      schema: {
        tags: ['imports'],
        summary: 'Import an open-item CSV or XLSX file through a column mapping',
        description:
          'multipart/form-data with the file in the part "file" and the mapping JSON in the field "mapping". The whole file is checked before anything is written.',
        response: {
          200: importResponseSchema,
          400: errorResponseSchema.describe('Invalid file, row, mapping or field.'),
          403: errorResponseSchema.describe('The role may not import, or a company is outside the scope.'),
          413: errorResponseSchema.describe('The file is larger than the server accepts.'),
        },
      },
    },
    async (request) => {
      const actor = importingActor(request);
      return withUpload(request, (upload) => {
        const mapping = parseMappingField(upload);
        const options = companyAndCurrency(upload);
        return runImport(upload, (path) => importMappedFile(db, path, { mapping, ...options, actor }));
      });
    },
  );
}
