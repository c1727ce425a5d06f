/**
 * Bank file parsing: detects the format and hands the bytes to its parser.
 */
import { InputError } from '../../shared/errors.js';
import type { BankFileType, ParsedBankFile } from '../statement.js';
import { parseBai2 } from './bai2.js';
import { parseCamt } from './camt.js';
import { parseBankCsv, type BankCsvMapping } from './csv.js';
import { parseMt940 } from './mt940.js';
import { decodeBankText, type BankEncoding } from './text.js';

export interface ParseBankOptions {
  type?: BankFileType;
  /** Column mapping for CSV files; required for CSV. */
  csvMapping?: BankCsvMapping;
  encoding?: BankEncoding;
}

/** Guesses a bank file's format from its first bytes; null when it is none of the structured ones. */
export function detectBankFileType(bytes: Uint8Array): BankFileType | null {
  // SWIFT files may start with SOH (0x01) or STX (0x02) framing.
  // eslint-disable-next-line no-control-regex
  const head = decodeBankText(bytes.subarray(0, 4096), 'latin1').replace(/^[\s\x01\x02]+/, '');
  if (/^<(\?xml|Document|[\w-]+:Document)\b/.test(head) || head.startsWith('<')) {
    if (/camt\.054|BkToCstmrDbtCdtNtfctn/.test(head)) return 'camt054';
    if (/camt\.05[23]|BkToCstmrStmt|BkToCstmrAcctRpt/.test(head)) return 'camt053';
    return null;
  }
  if (/^01,/.test(head)) return 'bai2';
  if (/(^|\n|\r)(:20:|:25:|:60[FM]:)/.test(head) || /^\{1:/.test(head)) return 'mt940';
  return null;
}

/** Parses a bank file of a known or detected format. Errors name the file, line and field. */
export function parseBankFile(bytes: Uint8Array, file: string, options: ParseBankOptions = {}): ParsedBankFile {
  const type = options.type ?? detectBankFileType(bytes) ?? (options.csvMapping ? 'csv' : null);
  switch (type) {
    case 'camt053':
    case 'camt054':
      return parseCamt(bytes, file);
    case 'mt940':
      return parseMt940(bytes, file, options.encoding);
    case 'bai2':
      return parseBai2(bytes, file);
    case 'csv':
      if (!options.csvMapping) {
        throw new InputError(`${file}: a CSV bank file needs a mapping (--mapping MAPPING.json)`, 'missing_mapping', 'mapping');
      }
      return parseBankCsv(bytes, file, options.csvMapping);
    default:
      throw new InputError(
        `${file}: not a camt.053, camt.054, MT940 or BAI2 file; for a CSV export give its mapping`,
        'unknown_format',
        'type',
      );
  }
}

export { decodeBankText, type BankEncoding } from './text.js';
export type { BankCsvMapping } from './csv.js';
