/**
 * The column mapping of an open-item CSV or XLSX file: how to read the
 * file, which column feeds which ledger field, and how amounts and dates
 * are written. docs/import-mapping.md describes every field with an
 * example; the schema below is the authority and rejects unknown keys, so
 * a misspelt field name fails loudly instead of being ignored.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../shared/errors.js';
import { isIsoDate, type DateFormat } from '../shared/dates.js';
import { itemKinds } from '../ledger/types.js';
import { textEncodings } from './table.js';

export const dateFormats = [
  'YYYY-MM-DD',
  'M/D/YYYY',
  'D/M/YYYY',
  'D.M.YYYY',
  'YYYYMMDD',
  'D-M-YYYY',
] as const satisfies readonly DateFormat[];

export const signConventions = [
  'leadingMinus',
  'trailingMinus',
  'brackets',
  'indicator',
  'debitCreditColumns',
  'kind',
] as const;
export type SignConvention = (typeof signConventions)[number];

/** A header name, or a 1-based column number (required for files without a header). */
const columnRef = z.union([z.string().trim().min(1), z.number().int().min(1)], {
  error: 'expected a header name or a column number counted from 1',
});
export type ColumnRef = z.output<typeof columnRef>;

const dateColumn = z.union(
  [columnRef, z.strictObject({ column: columnRef, format: z.enum(dateFormats) })],
  { error: 'expected a column, or { "column": ..., "format": "D.M.YYYY" }' },
);

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "EUR"');
const itemKind = z.enum(itemKinds);

const fileSchema = z.strictObject({
  format: z.enum(['csv', 'xlsx']).optional(),
  encoding: z.enum(textEncodings).default('utf-8'),
  delimiter: z.string().length(1).default(','),
  quote: z.string().max(1).default('"'),
  skipLines: z.number().int().min(0).default(0),
  header: z.boolean().default(true),
  sheet: z.string().min(1).optional(),
});

const companySchema = z.strictObject({
  column: columnRef.optional(),
  currencies: z.record(z.string().min(1), currencyCode).default({}),
});

const customerSchema = z.strictObject({
  number: columnRef,
  name: columnRef.optional(),
  group: columnRef.optional(),
  country: columnRef.optional(),
  region: columnRef.optional(),
  collector: columnRef.optional(),
  salesRep: columnRef.optional(),
  paymentTerms: columnRef.optional(),
  segment: columnRef.optional(),
});

const kindSchema = z
  .strictObject({
    fixed: itemKind.optional(),
    column: columnRef.optional(),
    values: z.record(z.string(), itemKind).optional(),
    default: itemKind.optional(),
    bySign: z.strictObject({ debit: itemKind, credit: itemKind }).optional(),
  })
  .superRefine((kind, context) => {
    const ways = [kind.fixed, kind.column, kind.bySign].filter((way) => way !== undefined);
    if (ways.length !== 1) {
      context.addIssue({
        code: 'custom',
        message: 'give exactly one of "fixed", "column" (with "values") or "bySign"',
      });
    }
    if (kind.column !== undefined && kind.values === undefined) {
      context.addIssue({ code: 'custom', path: ['values'], message: '"column" needs a "values" map' });
    }
    if (kind.column === undefined && (kind.values !== undefined || kind.default !== undefined)) {
      context.addIssue({ code: 'custom', message: '"values" and "default" apply only with "column"' });
    }
  });

const currencySchema = z
  .strictObject({ column: columnRef.optional(), fixed: currencyCode.optional() })
  .refine((currency) => (currency.column === undefined) !== (currency.fixed === undefined), {
    message: 'give either "column" or "fixed"',
  });

const erpKeySchema = z.union(
  [
    columnRef,
    z.strictObject({
      columns: z.array(columnRef).min(1),
      separator: z.string().default('/'),
    }),
  ],
  { error: 'expected a column, or { "columns": [...], "separator": "/" }' },
);

const disputedSchema = z.strictObject({
  column: columnRef,
  trueValues: z.array(z.string()).optional(),
  falseValues: z.array(z.string()).optional(),
});

const itemSchema = z.strictObject({
  documentNumber: columnRef,
  erpKey: erpKeySchema.optional(),
  kind: kindSchema,
  documentDate: dateColumn.optional(),
  postingDate: dateColumn,
  dueDate: dateColumn,
  currency: currencySchema.optional(),
  disputed: disputedSchema.optional(),
  paymentTerms: columnRef.optional(),
  reference: columnRef.optional(),
});

const amountSchema = z
  .strictObject({
    column: columnRef.optional(),
    sign: z.enum(signConventions).default('leadingMinus'),
    indicatorColumn: columnRef.optional(),
    debitValues: z.array(z.string().min(1)).default(['D', 'S', 'Dr', 'Debit']),
    creditValues: z.array(z.string().min(1)).default(['C', 'H', 'Cr', 'Credit']),
    debitColumn: columnRef.optional(),
    creditColumn: columnRef.optional(),
    decimalSeparator: z.enum(['.', ',']).default('.'),
    thousandsSeparator: z.enum(['', ',', '.', ' ', "'"]).default(''),
    roundToMinorUnit: z.boolean().default(false),
    localColumn: columnRef.optional(),
    zero: z.enum(['reject', 'skip']).default('reject'),
  })
  .superRefine((amount, context) => {
    const issue = (message: string) => context.addIssue({ code: 'custom', message });
    if (amount.sign === 'debitCreditColumns') {
      if (amount.debitColumn === undefined || amount.creditColumn === undefined) {
        issue('sign "debitCreditColumns" needs "debitColumn" and "creditColumn"');
      }
      if (amount.column !== undefined) issue('sign "debitCreditColumns" takes no "column"');
    } else {
      if (amount.column === undefined) issue(`sign "${amount.sign}" needs "column"`);
      if (amount.debitColumn !== undefined || amount.creditColumn !== undefined) {
        issue('"debitColumn" and "creditColumn" apply only with sign "debitCreditColumns"');
      }
    }
    if ((amount.sign === 'indicator') !== (amount.indicatorColumn !== undefined)) {
      issue('"indicatorColumn" goes with sign "indicator", and only with it');
    }
    if (amount.decimalSeparator === amount.thousandsSeparator) {
      issue('the decimal and thousands separators must differ');
    }
  });

const fxRateSchema = z.strictObject({
  from: currencyCode,
  to: currencyCode,
  date: z.string().refine(isIsoDate, 'expected a date as YYYY-MM-DD'),
  rate: z
    .union([z.string(), z.number().transform(String)])
    .pipe(z.string().regex(/^\d*\.?\d+$/, 'expected a positive decimal such as "0.7"'))
    .refine((rate) => /[1-9]/.test(rate), 'expected a positive rate'),
});

export const importMappingSchema = z
  .strictObject({
    description: z.string().optional(),
    file: fileSchema.prefault({}),
    dateFormat: z.enum(dateFormats).default('YYYY-MM-DD'),
    floatIds: z.boolean().default(false),
    company: companySchema.prefault({}),
    customer: customerSchema,
    item: itemSchema,
    amount: amountSchema,
    fxRates: z.array(fxRateSchema).default([]),
  })
  .superRefine((mapping, context) => {
    if (mapping.item.kind.bySign !== undefined && mapping.amount.sign === 'kind') {
      context.addIssue({
        code: 'custom',
        path: ['amount', 'sign'],
        message: 'sign "kind" cannot be combined with a kind chosen "bySign"',
      });
    }
  });

/** A mapping as written in a JSON file: defaults may be left out. */
export type ImportMapping = z.input<typeof importMappingSchema>;
/** A validated mapping with every default filled in. */
export type ResolvedMapping = z.output<typeof importMappingSchema>;

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates a mapping object; `source` names it in the error. */
export function validateMapping(value: unknown, source: string): ResolvedMapping {
  const result = importMappingSchema.safeParse(value);
  if (!result.success) {
    throw new InputError(`invalid mapping ${source}: ${formatIssues(result.error)}`, 'invalid_mapping', 'mapping');
  }
  return result.data;
}

/** Reads and validates a mapping given as a JSON file path, or validates an object. */
export async function loadMapping(mapping: string | ImportMapping): Promise<ResolvedMapping> {
  if (typeof mapping !== 'string') return validateMapping(mapping, '(object)');
  let text: string;
  try {
    text = await readFile(mapping, 'utf8');
  } catch (error) {
    throw new InputError(`failed to read mapping file ${mapping}: ${(error as Error).message}`, 'invalid_mapping', 'mapping');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`mapping file ${mapping} is not valid JSON: ${(error as Error).message}`, 'invalid_mapping', 'mapping');
  }
  return validateMapping(json, mapping);
}
