/**
 * BAI2 cash management files (Bank Administration Institute, version 2):
 * one statement per 03 account identifier, one entry per 16 transaction
 * detail. Banks bend the layout in many ways, so the reader is lenient
 * about how records sit on physical lines and strict about amounts.
 * A trailer total that does not add up is a warning, because some banks
 * compute it differently. An unreadable amount rejects the file.
 */
import { FileRowError } from '../../shared/errors.js';
import { makeDate, type IsoDate } from '../../shared/dates.js';
import { unscaleDecimal } from '../amounts.js';
import type { ParsedBankFile, ParsedStatement, ParseWarning, StatementEntry } from '../statement.js';
import { decodeBankText, splitLines } from './text.js';

const knownRecordCodes = ['01', '02', '03', '16', '49', '88', '98', '99'] as const;

/**
 * Boundary between records packed on one physical line: the slash that
 * ends a record, optional blanks, then a known record code and a comma.
 * Slashes inside references such as `AB/GS/0001` or dates such as
 * `22/03/66` are not followed by a record code, so they stay.
 */
const packedRecordBoundary = /\/\s*(?=(?:01|02|03|16|49|88|98|99),)/;

/** Physical record width when the 01 header states none. A piece this long without a slash was cut at the width. */
const defaultRecordLength = 80;

/** Decimals of the currencies that do not have two. */
const currencyDecimals: Record<string, number> = { JPY: 0, KWD: 3, BHD: 3, OMR: 3, JOD: 3, TND: 3 };

function decimalsOf(currency: string | null): number {
  return currency !== null ? (currencyDecimals[currency] ?? 2) : 2;
}

/**
 * Returns the sign of a detail type code, or null when it has none.
 * BAI2 assigns 100-399 to credits and 400-699 to debits. In the range it
 * leaves to banks, 920-959 are credits and 960-999 debits, while 900-919
 * are status codes like 001-099, and 700-899 are unused.
 */
function typeCodeSign(code: number): 1 | -1 | null {
  if ((code >= 100 && code <= 399) || (code >= 920 && code <= 959)) return 1;
  if ((code >= 400 && code <= 699) || (code >= 960 && code <= 999)) return -1;
  return null;
}

interface PhysicalRecord {
  code: string;
  line: number;
  /** Text after `NN,`, without the terminating slash. */
  content: string;
  /** The record ended with a slash (or another record followed on its line). */
  terminated: boolean;
  /** Length of the physical piece, to tell a width cut from a word break. */
  length: number;
}

interface LogicalRecord {
  code: string;
  line: number;
  fields: string[];
  /** 16 records: the text field and each continuation of it. */
  textPieces: string[];
  /** Physical records it was built from (the record itself and its 88s), as trailers count them. */
  recordCount: number;
  last: PhysicalRecord;
}

/** Index of the 16 text field, once the funds type and its extra fields are known. */
function detailTextIndex(fields: readonly string[]): number | null {
  if (fields.length < 3) return null;
  const funds = fields[2]!.trim().toUpperCase();
  if (funds === 'S') return 3 + 3 + 2;
  if (funds === 'V') return 3 + 2 + 2;
  if (funds === 'D') {
    if (fields.length < 4) return null;
    const count = Number(fields[3]!.trim() || '0');
    return Number.isInteger(count) && count >= 0 ? 3 + 1 + 2 * count + 2 : null;
  }
  return 3 + 2;
}

/** Adds content to a 16 record: first as its missing fields, the rest to the text, commas and all. */
function appendToDetail(record: LogicalRecord, content: string, separator: string): void {
  let rest = content;
  for (;;) {
    const textIndex = detailTextIndex(record.fields);
    if (textIndex !== null && record.fields.length > textIndex) {
      const before = record.fields[textIndex]!;
      record.fields[textIndex] = before === '' ? rest : `${before}${separator}${rest}`;
      record.textPieces.push(rest);
      return;
    }
    const comma = rest.indexOf(',');
    if (textIndex !== null && record.fields.length === textIndex) {
      record.fields.push(rest);
      record.textPieces.push(rest);
      return;
    }
    if (comma < 0) {
      record.fields.push(rest);
      return;
    }
    record.fields.push(rest.slice(0, comma));
    rest = rest.slice(comma + 1);
  }
}

function splitPhysicalRecords(text: string, file: string, warnings: ParseWarning[]): (PhysicalRecord | { wrap: string; line: number; length: number })[] {
  const pieces: (PhysicalRecord | { wrap: string; line: number; length: number })[] = [];
  splitLines(text).forEach((lineText, index) => {
    const line = index + 1;
    if (lineText.trim() === '') return;
    const segments = lineText.split(packedRecordBoundary);
    segments.forEach((segment, position) => {
      const isLast = position === segments.length - 1;
      const body = segment.trimEnd();
      const terminated = !isLast || body.endsWith('/');
      const withoutSlash = isLast && body.endsWith('/') ? body.slice(0, -1) : body;
      const start = /^\s*(\d{2}),/.exec(withoutSlash);
      // Goldman Sachs writes some continuations as `88:`, which are read as 88 records.
      const colonContinuation = /^\s*88:/.exec(withoutSlash);
      if (start || colonContinuation) {
        const code = start ? start[1]! : '88';
        if (!(knownRecordCodes as readonly string[]).includes(code)) {
          warnings.push({ file, line, field: 'record code', value: code, message: `unknown BAI2 record code ${code}, so the record was skipped` });
          return;
        }
        if (colonContinuation) {
          warnings.push({ file, line, field: 'record code', value: '88:', message: 'continuation record written with a colon instead of a comma, read as 88' });
        }
        const prefix = (start ?? colonContinuation)![0];
        pieces.push({ code, line, content: withoutSlash.slice(prefix.length), terminated, length: segment.length });
      } else {
        pieces.push({ wrap: withoutSlash, line, length: segment.length });
      }
    });
  });
  return pieces;
}

function fieldsOf(content: string): string[] {
  return content.split(',').map((field) => field.trim());
}

/** Builds logical records: 88 continuations and wrapped lines join the record before them. */
function logicalRecords(text: string, file: string, warnings: ParseWarning[]): LogicalRecord[] {
  const records: LogicalRecord[] = [];
  let recordLength = defaultRecordLength;
  for (const piece of splitPhysicalRecords(text, file, warnings)) {
    const previous = records[records.length - 1];
    const isContinuation = 'wrap' in piece || piece.code === '88';
    if (!isContinuation) {
      const record: LogicalRecord = {
        code: piece.code,
        line: piece.line,
        fields: piece.code === '16' ? [] : fieldsOf(piece.content),
        textPieces: [],
        recordCount: 1,
        last: piece,
      };
      if (piece.code === '16') appendToDetail(record, piece.content, ' ');
      if (piece.code === '01') {
        const stated = Number(record.fields[5] ?? '');
        if (record.fields[5] && Number.isInteger(stated) && stated > 0) recordLength = stated;
      }
      records.push(record);
      continue;
    }
    const content = 'wrap' in piece ? piece.wrap : piece.content;
    if (!previous) {
      throw new FileRowError(file, piece.line, 'record code', content.slice(0, 20), 'the file does not start with a BAI2 01 file header');
    }
    // A piece cut at the record width continues mid-word; any other break was between words.
    const separator = !previous.last.terminated && previous.last.length === recordLength ? '' : ' ';
    if (previous.code === '16') {
      appendToDetail(previous, content, separator);
    } else if ('wrap' in piece) {
      const fields = fieldsOf(content);
      previous.fields[previous.fields.length - 1] += fields.shift() ?? '';
      previous.fields.push(...fields);
    } else {
      previous.fields.push(...fieldsOf(content));
    }
    if (!('wrap' in piece)) previous.recordCount += 1;
    previous.last = 'wrap' in piece
      ? { code: previous.code, line: piece.line, content, terminated: content.endsWith('/'), length: piece.length }
      : piece;
  }
  return records;
}

function parseYymmdd(text: string): IsoDate | null {
  const match = /^(\d{2})(\d{2})(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const yy = Number(match[1]);
  // Two-digit years 70-99 are read as 19xx and 00-69 as 20xx.
  const year = yy >= 70 ? 1900 + yy : 2000 + yy;
  return makeDate(year, Number(match[2]), Number(match[3]));
}

/** Reads an implied-decimal amount (digits with an optional sign): null when empty, undefined when invalid. */
function parseMinor(text: string): bigint | null | undefined {
  const value = text.trim();
  if (value === '') return null;
  if (!/^[+-]?\d+$/.test(value)) return undefined;
  return BigInt(value);
}

function extraFundsFields(fields: readonly string[], fundsIndex: number): number {
  const funds = (fields[fundsIndex] ?? '').trim().toUpperCase();
  if (funds === 'S') return 3;
  if (funds === 'V') return 2;
  if (funds === 'D') {
    const count = Number((fields[fundsIndex + 1] ?? '').trim() || '0');
    return 1 + 2 * (Number.isInteger(count) && count >= 0 ? count : 0);
  }
  return 0;
}

interface SummaryGroup {
  typeCode: string;
  amount: bigint | null;
  amountText: string;
}

/** Reads the type code, amount, item count and funds type groups of an 03 record. */
function summaryGroups(fields: readonly string[]): SummaryGroup[] {
  const groups: SummaryGroup[] = [];
  let index = 2;
  while (index < fields.length) {
    // Some banks write an extra comma before the slash, or a leading empty group.
    // Skipping an empty field where a type code should start lines up the groups of a following 88.
    if (fields[index] === '') {
      index += 1;
      continue;
    }
    const typeCode = fields[index] ?? '';
    const amountText = fields[index + 1] ?? '';
    const extras = extraFundsFields(fields, index + 3);
    const amount = parseMinor(amountText);
    groups.push({ typeCode, amount: amount === undefined ? null : amount, amountText });
    index += 4 + extras;
  }
  return groups;
}

interface CounterpartyKeys {
  credit: { name: string[]; account: string[] };
  debit: { name: string[]; account: string[] };
}

/**
 * Keys some banks put at the start of 88 text: Goldman Sachs style
 * `DBNM:` (debtor name), `CRNM:`, `DACT:`, `CACT:`, and Fedwire style
 * `ORG:=` (originator) and `BNF NAME:=` (beneficiary). The counterparty of
 * a credit is the debtor or originator, of a debit the creditor or
 * beneficiary.
 */
const counterpartyKeys: CounterpartyKeys = {
  credit: { name: ['DBNM', 'ORG', 'ORIG'], account: ['DACT'] },
  debit: { name: ['CRNM', 'BNF NAME'], account: ['CACT'] },
};

function keyedValues(pieces: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const piece of pieces) {
    const match = /^\s*([A-Z][A-Z0-9 ]{0,15}?)\s*:=?\s*(.*?)\s*$/.exec(piece);
    if (match && match[2] !== '' && !values.has(match[1]!)) values.set(match[1]!, match[2]!);
  }
  return values;
}

function firstOf(values: Map<string, string>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = values.get(key);
    if (value) return value;
  }
  return null;
}

function cleanText(text: string): string | null {
  const cleaned = text.replace(/\s+/g, ' ').trim();
  return cleaned === '' ? null : cleaned;
}

interface OpenAccount {
  statement: ParsedStatement;
  decimals: number;
  controlTotal: bigint;
  recordCount: number;
}

interface OpenGroup {
  asOfDate: IsoDate | null;
  currency: string | null;
  accounts: number;
  accountTotals: bigint;
  recordCount: number;
}

/** Parses a BAI2 file. Errors and warnings name the physical line where the record starts. */
export function parseBai2(bytes: Uint8Array, file: string): ParsedBankFile {
  const warnings: ParseWarning[] = [];
  const statements: ParsedStatement[] = [];
  const records = logicalRecords(decodeBankText(bytes), file, warnings);
  const warn = (line: number, field: string, value: string, message: string) =>
    warnings.push({ file, line, field, value, message });

  if (records[0]?.code !== '01') {
    const first = records[0];
    throw new FileRowError(file, first?.line ?? 1, 'record code', first?.code ?? '', 'the file does not start with a BAI2 01 file header');
  }

  let group: OpenGroup | null = null;
  let account: OpenAccount | null = null;
  let fileRecords = 0;
  let groupCount = 0;
  let groupTotals = 0n;

  const closeAccount = (line: number) => {
    if (account) warn(line, '49', '', `account ${account.statement.account} has no 49 account trailer`);
    account = null;
  };

  const checkTotal = (line: number, field: string, stated: string, computed: bigint, what: string) => {
    const value = parseMinor(stated);
    if (value === undefined || value === null) {
      warn(line, field, stated, `the ${what} is not a number`);
    } else if (value !== computed) {
      warn(line, field, stated, `the ${what} is ${stated}, but the records add up to ${computed}`);
    }
  };

  const checkCount = (line: number, field: string, stated: string, computed: number, what: string) => {
    if (stated.trim() === '') return;
    if (Number(stated) !== computed) {
      warn(line, field, stated, `the ${what} is ${stated}, but the file has ${computed}`);
    }
  };

  for (const record of records) {
    fileRecords += record.recordCount;
    if (group) group.recordCount += record.recordCount;
    if (account) account.recordCount += record.recordCount;
    const fields = record.fields;
    switch (record.code) {
      case '01':
        break;
      case '02': {
        if (account) closeAccount(record.line);
        const asOfText = fields[3] ?? '';
        const asOfDate = parseYymmdd(asOfText);
        if (asOfDate === null) warn(record.line, '02 as-of date', asOfText, 'invalid as-of date: expected YYMMDD, so the entries get no booking date');
        group = { asOfDate, currency: fields[5] || null, accounts: 0, accountTotals: 0n, recordCount: 1 };
        groupCount += 1;
        break;
      }
      case '03': {
        if (account) closeAccount(record.line);
        const currency = fields[1] || group?.currency || null;
        const decimals = decimalsOf(currency);
        const statement: ParsedStatement = {
          account: fields[0] ?? '',
          currency,
          statementId: null,
          openingBalance: null,
          closingBalance: null,
          openingDate: group?.asOfDate ?? null,
          closingDate: group?.asOfDate ?? null,
          entries: [],
          line: record.line,
        };
        let controlTotal = 0n;
        for (const summary of summaryGroups(fields)) {
          const isBalance = summary.typeCode === '010' || summary.typeCode === '015';
          if (summary.amount === null && summary.amountText !== '') {
            if (isBalance) {
              throw new FileRowError(file, record.line, `03 amount (type ${summary.typeCode})`, summary.amountText, 'invalid amount: expected digits in implied decimals with an optional sign, such as +123456');
            }
            warn(record.line, `03 amount (type ${summary.typeCode})`, summary.amountText, 'not an amount; left out of the summary');
            continue;
          }
          if (summary.amount === null) continue;
          controlTotal += summary.amount;
          const text = unscaleDecimal(summary.amount, decimals);
          if (summary.typeCode === '010') statement.openingBalance = text;
          if (summary.typeCode === '015') statement.closingBalance = text;
        }
        statements.push(statement);
        account = { statement, decimals, controlTotal, recordCount: record.recordCount };
        break;
      }
      case '16': {
        if (!account) {
          throw new FileRowError(file, record.line, 'record code', '16', 'a 16 transaction detail before any 03 account identifier');
        }
        const typeText = fields[0] ?? '';
        const typeCode = /^\d{3}$/.test(typeText) ? Number(typeText) : NaN;
        const sign = Number.isNaN(typeCode) ? null : typeCodeSign(typeCode);
        if (sign === null) {
          throw new FileRowError(file, record.line, '16 type code', typeText, 'invalid detail type code: expected a credit (100-399, 920-959) or debit (400-699, 960-999) code');
        }
        const amountText = fields[1] ?? '';
        const amount = parseMinor(amountText);
        if (amount === undefined || amount === null) {
          throw new FileRowError(file, record.line, '16 amount', amountText, 'invalid amount: expected digits in implied decimals, such as 123456');
        }
        account.controlTotal += amount;
        let valueDate: IsoDate | null = null;
        if ((fields[2] ?? '').trim().toUpperCase() === 'V') {
          valueDate = parseYymmdd(fields[3] ?? '');
          if (valueDate === null) warn(record.line, '16 value date', fields[3] ?? '', 'invalid value date: expected YYMMDD, so the value date was left out');
        }
        const textIndex = detailTextIndex(fields) ?? fields.length;
        const bankReference = (fields[textIndex - 2] ?? '').trim();
        const customerReference = (fields[textIndex - 1] ?? '').trim();
        const keys = keyedValues(record.textPieces);
        const side = sign > 0 ? counterpartyKeys.credit : counterpartyKeys.debit;
        const entry: StatementEntry = {
          bookingDate: group?.asOfDate ?? null,
          valueDate,
          amount: unscaleDecimal(BigInt(sign) * amount, account.decimals),
          reference: customerReference || bankReference || null,
          remittance: cleanText(fields[textIndex] ?? ''),
          counterpartyName: firstOf(keys, side.name),
          counterpartyAccount: firstOf(keys, side.account),
          bankCode: typeText,
          line: record.line,
        };
        account.statement.entries.push(entry);
        break;
      }
      case '49': {
        if (!account) {
          warn(record.line, '49', fields[0] ?? '', 'an account trailer without an 03 account');
          break;
        }
        checkTotal(record.line, '49 account control total', fields[0] ?? '', account.controlTotal, `account control total of ${account.statement.account}`);
        checkCount(record.line, '49 number of records', fields[1] ?? '', account.recordCount, `record count of account ${account.statement.account}`);
        const stated = parseMinor(fields[0] ?? '');
        if (group) {
          group.accounts += 1;
          group.accountTotals += typeof stated === 'bigint' ? stated : account.controlTotal;
        }
        account = null;
        break;
      }
      case '98': {
        if (account) closeAccount(record.line);
        if (!group) {
          warn(record.line, '98', fields[0] ?? '', 'a group trailer without a 02 group header');
          break;
        }
        checkTotal(record.line, '98 group control total', fields[0] ?? '', group.accountTotals, 'group control total');
        checkCount(record.line, '98 number of accounts', fields[1] ?? '', group.accounts, 'number of accounts in the group');
        checkCount(record.line, '98 number of records', fields[2] ?? '', group.recordCount, 'record count of the group');
        const stated = parseMinor(fields[0] ?? '');
        groupTotals += typeof stated === 'bigint' ? stated : group.accountTotals;
        group = null;
        break;
      }
      case '99': {
        if (account) closeAccount(record.line);
        if (group) warn(record.line, '98', '', 'the last group has no 98 group trailer');
        group = null;
        checkTotal(record.line, '99 file control total', fields[0] ?? '', groupTotals, 'file control total');
        checkCount(record.line, '99 number of groups', fields[1] ?? '', groupCount, 'number of groups');
        checkCount(record.line, '99 number of records', fields[2] ?? '', fileRecords, 'record count of the file');
        break;
      }
    }
  }
  const lastLine = records[records.length - 1]!.line;
  if (records[records.length - 1]!.code !== '99') warn(lastLine, '99', '', 'the file has no 99 file trailer');
  return { file, type: 'bai2', statements, warnings };
}
