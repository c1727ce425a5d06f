/**
 * File importers. Each parses the whole file first, so a bad row fails
 * before anything is written, then hands the parsed ledgers to
 * applyImport, which writes them in one transaction and skips rows whose
 * erp keys are already stored.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Actor } from '../auth/types.js';
import type { Db } from '../db/types.js';
import { FileRowError, InputError } from '../shared/errors.js';
import {
  applyImport,
  currencyExponent,
  findFxRate,
  listCompanies,
  loadCurrencyExponents,
  type ImportProgress,
  type ImportResult,
} from '../ledger/index.js';
import { parseIbmAr } from './ibm-ar.js';
import { loadMapping, type ImportMapping } from './mapping.js';
import { parseMappedTable } from './mapped.js';
import { decodeText, readDelimited, readXlsx, type Table } from './table.js';

export type { ImportProgress, ImportResult } from '../ledger/index.js';
export type { ImportMapping } from './mapping.js';

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new InputError(`failed to read ${file}: ${(error as Error).message}`, 'file_not_readable', 'file');
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Imports the IBM late-payment ledger layout (see ibm-ar.ts). */
export async function importIbmAr(
  db: Db,
  file: string,
  options: { company?: string; currency?: string; progress?: ImportProgress; actor?: Actor } = {},
): Promise<ImportResult[]> {
  const currency = options.currency ?? 'USD';
  const exponent = await currencyExponent(db, currency);
  const bytes = await readBytes(file);
  const ledger = parseIbmAr(decodeText(bytes, 'utf-8', file), {
    file,
    company: options.company ?? 'MAIN',
    currency,
    exponent,
  });
  options.progress?.('parse', ledger.rowCount, ledger.rowCount);
  return applyImport(db, { kind: 'ibm-ar', file, sha256: sha256(bytes) }, [ledger], options.progress, options.actor);
}

/**
 * Imports an open-item CSV or XLSX file described by a column mapping
 * (a JSON file path or the mapping object). Rows go to the company of the
 * mapping's company column, else to `company` (default MAIN). A company's
 * local currency is the mapping's entry for its code, else `currency`, else
 * the currency of the existing company, else USD.
 */
export async function importMappedFile(
  db: Db,
  file: string,
  options: {
    mapping: string | ImportMapping;
    company?: string;
    currency?: string;
    progress?: ImportProgress;
    /** Who imports: checked against the companies and recorded in the audit trail. */
    actor?: Actor;
  },
): Promise<ImportResult[]> {
  const mapping = await loadMapping(options.mapping);

  const extension = extname(file).toLowerCase();
  if (mapping.file.format === undefined && extension === '.xls') {
    throw new InputError(`${file}: the binary XLS format is not supported; save the sheet as XLSX or CSV`, 'invalid_file', 'file');
  }
  const format = mapping.file.format ?? (extension === '.xlsx' ? 'xlsx' : 'csv');
  const bytes = await readBytes(file);

  let table: Table;
  if (format === 'xlsx') {
    table = await readXlsx(bytes, file, mapping.file);
  } else {
    table = readDelimited(decodeText(bytes, mapping.file.encoding, file), file, mapping.file);
  }

  const companies = await listCompanies(db);
  const { ledgers, rateLookups } = parseMappedTable(table, mapping, {
    company: options.company,
    currency: options.currency,
    existingCurrencies: new Map(companies.map((company) => [company.code, company.currency])),
    exponents: await loadCurrencyExponents(db),
  });

  // Rates the mapping does not give must be in the database before anything is written.
  for (const lookup of rateLookups) {
    const rate = await findFxRate(db, lookup.from, lookup.to, lookup.date);
    if (rate === null) {
      throw new FileRowError(
        file,
        lookup.line,
        lookup.column,
        lookup.value,
        `no ${lookup.from}/${lookup.to} rate on or before ${lookup.date}: add one to the mapping's "fxRates" or store it in the database first`,
      );
    }
  }
  options.progress?.('parse', table.rows.length, table.rows.length);

  return applyImport(
    db,
    { kind: `mapped-${format}`, file, sha256: sha256(bytes) },
    ledgers,
    options.progress,
    options.actor,
  );
}
