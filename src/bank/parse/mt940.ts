/**
 * SWIFT MT940 customer statements. Real files wrap the statements in SWIFT
 * envelopes or bank header lines and break fields across physical lines at
 * fixed widths. They write the :86: narrative in national dialects: German
 * GVC sub-fields, Dutch slash keys or free text.
 */
import { FileRowError } from '../../shared/errors.js';
import { makeDate, type IsoDate } from '../../shared/dates.js';
import { normaliseDecimal } from '../amounts.js';
import type { ParsedBankFile, ParsedStatement, ParseWarning, StatementEntry } from '../statement.js';
import { decodeBankText, splitLines, type BankEncoding } from './text.js';

/** A field of the file: its tag and its physical lines, with the tag removed from the first. */
interface Field {
  tag: string;
  line: number;
  lines: string[];
}

const tagPattern = /^:(\d\d[A-Z]?|NS):/;
/** Fields that never span lines, so a line after them belongs to no field. */
const singleLineTags = /^(20|21|25|6[0245][A-Z]?)$/;
/** Bank header lines some banks put before each statement (`ABNANL2A`, `940`, `0000 01FVLBNL22AXXX00042`, `940 00`, `:940:`). */
const headerLine = /^(:?940:?|940 00|[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?|\d{4} \d\d[A-Z0-9]+)$/;
const separatorLine = /^-(XXX)?(\}(\{5:.*)?)?$/;

/** Drops the SOH and ETX characters that frame SWIFT transmissions. */
function stripFraming(text: string): string {
  return text.replaceAll('\u0001', '').replaceAll('\u0003', '');
}

/** Splits the text into fields, dropping envelopes, header lines and statement separators. */
function readFields(text: string, file: string, warnings: ParseWarning[]): Field[] {
  const lines = splitLines(stripFraming(text));
  const fields: Field[] = [];
  let current: Field | null = null;
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    let line = raw;
    const envelopeBody = line.indexOf('{4:');
    if (envelopeBody >= 0) line = line.slice(envelopeBody + 3);
    else if (line.startsWith('{')) {
      current = null;
      return;
    }
    if (line.trim() === '') return;
    const tag = tagPattern.exec(line);
    if (tag) {
      current = { tag: tag[1] ?? '', line: lineNo, lines: [line.slice(tag[0].length)] };
      fields.push(current);
      return;
    }
    if (separatorLine.test(line.trim()) && endsField(lines, index)) {
      current = null;
      return;
    }
    const open: Field | null = current;
    if (open && !singleLineTags.test(open.tag)) {
      open.lines.push(line);
      return;
    }
    if (headerLine.test(line.trim())) return;
    warnings.push({
      file,
      line: lineNo,
      field: open ? `:${open.tag}:` : '',
      value: line,
      message: 'text outside any MT940 field; skipped',
    });
  });
  return fields;
}

/**
 * Tells whether a `-` line ends a statement: it does when a tag, an envelope
 * or the end of the file follows. Otherwise it is text that the bank broke
 * across lines, as ING does with mandate references such as `MND-EV01`.
 */
function endsField(lines: readonly string[], index: number): boolean {
  const line = lines[index] ?? '';
  if (line.includes('}')) return true;
  for (let next = index + 1; next < lines.length; next++) {
    const text = stripFraming(lines[next] ?? '').trim();
    if (text === '') continue;
    return tagPattern.test(text) || text.startsWith('{') || headerLine.test(text);
  }
  return true;
}

/** Expands a two-digit SWIFT year, reading 70 to 99 as the 1900s. */
function fullYear(yy: string): number {
  const year = Number(yy);
  return year >= 70 ? 1900 + year : 2000 + year;
}

function parseYymmdd(text: string): IsoDate | null {
  const match = /^(\d\d)(\d\d)(\d\d)$/.exec(text);
  if (!match) return null;
  return makeDate(fullYear(match[1] ?? ''), Number(match[2]), Number(match[3]));
}

/** Converts a SWIFT amount (`1234,5`, `0001234,50`, `9,`) to normalised decimal text. */
function swiftAmount(text: string): string | null {
  if (!/^\d+,\d*$/.test(text)) return null;
  return normaliseDecimal(text.replace(',', '.'));
}

function negate(amount: string): string {
  if (/^[0.]+$/.test(amount)) return amount;
  return amount.startsWith('-') ? amount.slice(1) : `-${amount}`;
}

interface Balance {
  amount: string;
  date: IsoDate;
  currency: string;
}

function parseBalance(value: string): Balance | null {
  const match = /^([CD])(\d{6})([A-Z]{3})(\d+,\d*)$/.exec(value.trim());
  if (!match) return null;
  const date = parseYymmdd(match[2] ?? '');
  const amount = swiftAmount(match[4] ?? '');
  if (date === null || amount === null) return null;
  return { amount: match[1] === 'D' ? negate(amount) : amount, date, currency: match[3] ?? '' };
}

/** IBAN lengths by country, which tell an IBAN from an IBAN followed by its currency. */
const ibanLengths: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28,
  LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15,
  PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27, TN: 24,
  TR: 26, UA: 29, VG: 24, XK: 20,
};

function isIban(text: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(text)) return false;
  return ibanLengths[text.slice(0, 2)] === text.length;
}

/** Reads :25: written as IBAN, `IBAN CCY`, `IBANCCY`, `BIC/account/CCY` or a bank's own number. */
function parseAccount(value: string): { account: string; currency: string | null } {
  const text = value.trim();
  const bicForm = /^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\/([^/]+)\/([A-Z]{3})$/.exec(text);
  if (bicForm) return { account: bicForm[1] ?? text, currency: bicForm[2] ?? null };
  const withCurrency = /^([A-Z]{2}\d{2}[A-Z0-9]+?)\s*\/?([A-Z]{3})$/.exec(text);
  if (withCurrency && isIban(withCurrency[1] ?? '') && !isIban(text)) {
    return { account: withCurrency[1] ?? text, currency: withCurrency[2] ?? null };
  }
  return { account: text, currency: null };
}

interface Narrative {
  reference: string | null;
  remittance: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  bankCode: string | null;
}

const emptyNarrative: Narrative = {
  reference: null,
  remittance: null,
  counterpartyName: null,
  counterpartyAccount: null,
  bankCode: null,
};

function blankToNull(text: string | undefined): string | null {
  const trimmed = (text ?? '').replace(/\s+/g, ' ').trim();
  return trimmed === '' ? null : trimmed;
}

/** Returns the reference, or null when it is a placeholder for a missing one. */
function realReference(text: string | null): string | null {
  // ING writes `EREF` or `PREF` and German banks `KREF+` where the reference is in :86:.
  if (text === null || /^(NOTPROVIDED|NONREF|EREF|PREF|[A-Z]{4}\+)$/i.test(text)) return null;
  return text;
}

/**
 * Joins German GVC sub-fields. They hold 27 characters each, so a full one
 * was cut at that width, often mid-word, and continues without a space.
 */
function joinSubfields(parts: readonly string[], gap = ' '): string {
  let text = '';
  parts.forEach((part, index) => {
    const previous = parts[index - 1];
    text += index > 0 && previous !== undefined && previous.length < 27 ? `${gap}${part}` : part;
  });
  return text;
}

const sepaTags = /(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|COAM|OAMT|IBAN|BIC)\+/g;

/** Reads German ZKA/DFÜ sub-fields: `109?00text?20EREF+...?30BIC?31IBAN?32name`. */
function parseGvc(text: string): Narrative {
  const match = /^(\d{3})(.)/.exec(text);
  const code = match?.[1] ?? null;
  const separator = match?.[2] ?? '?';
  const subfields = new Map<number, string>();
  const body = text.slice(3);

  for (const piece of body.split(separator).slice(1)) {
    const key = Number(piece.slice(0, 2));
    subfields.set(key, (subfields.get(key) ?? '') + piece.slice(2));
  }

  const pick = (keys: number[]): string[] =>
    keys.filter((key) => subfields.has(key)).map((key) => subfields.get(key) ?? '');

  const remittanceKeys = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 60, 61, 62, 63];
  // A short sub-field ended its text, so a SEPA tag's value ends there too.
  const marked = joinSubfields(pick(remittanceKeys), '\n');
  const remittance = blankToNull(marked);
  let reference: string | null = null;
  const tags = [...marked.matchAll(sepaTags)];
  const eref = tags.findIndex((tag) => tag[1] === 'EREF');
  const found = tags[eref];
  if (found?.index !== undefined) {
    const end = tags[eref + 1]?.index ?? marked.length;
    reference = realReference(blankToNull(marked.slice(found.index + 5, end).split('\n')[0]));
  }

  return {
    reference,
    remittance,
    counterpartyName: blankToNull(joinSubfields(pick([32, 33]))),
    counterpartyAccount: blankToNull(subfields.get(31)),
    bankCode: code,
  };
}

const dutchKeys =
  'EREF|PREF|MARF|CSID|CNTP|REMI|RTRN|TRTP|IBAN|BIC|NAME|ADDR|ORDP|BENM|ISDT|OCMT|CHGS|EXCH|PURP|ULTC|ULTD|ULTB|SUM|TRCD|BUSP|CDTRREF|CDTRREFTP';
const dutchKeyPattern = new RegExp(`/(${dutchKeys})/`, 'g');

/** Reads the Dutch structured narrative: `/EREF/.../CNTP/iban/bic/name/city/REMI/USTD//text/`. */
function parseDutch(text: string): Narrative {
  const values = new Map<string, string>();
  const keys = [...text.matchAll(dutchKeyPattern)];
  keys.forEach((key, index) => {
    const start = (key.index ?? 0) + key[0].length;
    const end = keys[index + 1]?.index ?? text.length;
    const name = key[1] ?? '';
    if (!values.has(name)) values.set(name, text.slice(start, end));
  });
  const party = (values.get('CNTP') ?? values.get('ORDP') ?? values.get('BENM') ?? '').split('/');
  const partyName = values.has('CNTP') ? party[2] : party[1];
  const remi = values.get('REMI');
  const remittance =
    remi === undefined
      ? blankToNull(text)
      : blankToNull(remi.replace(/^(USTD|STRD)\/[A-Z]*\/+/, '').replace(/\/+$/, ''));
  const trimSlashes = (value: string | undefined): string | null => blankToNull(value?.replace(/\/+$/, ''));
  return {
    reference: realReference(trimSlashes(values.get('EREF'))) ?? realReference(trimSlashes(values.get('PREF'))),
    remittance,
    counterpartyName: trimSlashes(values.get('NAME')) ?? blankToNull(partyName),
    counterpartyAccount: trimSlashes(values.get('IBAN')) ?? blankToNull(party[0]),
    bankCode: null,
  };
}

/**
 * Joins free-text lines. A line as long as the field's longest was cut at
 * the bank's fixed width, so it continues without a space. A shorter line
 * ended with its text.
 * NOTE: the fixed width is inferred from the field's own lines, so a
 * narrative of one full line and one short line may be joined wrongly.
 */
function joinFreeText(lines: readonly string[], tagWidth: number): string {
  const widths = lines.map((line, index) => line.trimEnd().length + (index === 0 ? tagWidth : 0));
  const full = Math.max(...widths);
  let text = '';
  lines.forEach((line, index) => {
    const previous = widths[index - 1] ?? 0;
    const cut = index > 0 && full >= 30 && previous >= full - 1;
    text += index === 0 || cut || line.startsWith(' ') ? line : ` ${line}`;
  });
  return text;
}

/** Reads a :86: narrative in whichever dialect it is written. */
function parseNarrative(lines: readonly string[]): Narrative {
  const joined = lines.join('');
  if (/^\d{3}\?\d\d/.test(joined)) return parseGvc(joined);
  if (/\/(EREF|REMI|CNTP|TRTP|NAME|PREF|RTRN|IBAN|MARF|CSID)\//.test(joined)) return parseDutch(joined);
  const text = joinFreeText(lines, 4);
  // Line-structured `/BENM/account` or `/ORDP/account` with the name on the next line.
  const party = /^\/(BENM|ORDP)\/(.*)$/.exec(lines[0] ?? '');
  const nameLine = lines[1];
  if (party) {
    return {
      ...emptyNarrative,
      remittance: blankToNull(lines.slice(2).map((line) => line.replace(/^\//, '')).join(' ')) ?? blankToNull(text),
      counterpartyAccount: blankToNull(party[2]),
      counterpartyName: nameLine?.startsWith('/') ? blankToNull(nameLine.slice(1)) : null,
    };
  }
  return { ...emptyNarrative, remittance: blankToNull(text) };
}

interface StatementLine {
  entry: StatementEntry;
  customerReference: string | null;
  transactionType: string | null;
  supplementary: string;
}

const markPattern = /^(RC|RD|C|D)([A-Z])?/;

/** Reads :61: `YYMMDD[MMDD](C|D|RC|RD)[funds]amount[ ][type]customer-ref[//bank-ref]` plus its supplementary line. */
function parseStatementLine(field: Field, file: string): StatementLine {
  const first = field.lines[0] ?? '';
  const fail = (problem: string): never => {
    throw new FileRowError(file, field.line, ':61:', first, problem);
  };
  const dates = /^(\d\d)(\d\d)(\d\d)(\d\d\d\d)?/.exec(first) ?? fail('invalid value date (expected YYMMDD)');
  const valueYear = fullYear(dates[1] ?? '');
  const valueMonth = Number(dates[2]);
  const valueDate = makeDate(valueYear, valueMonth, Number(dates[3])) ?? fail('invalid value date: the day does not exist');
  let bookingDate: IsoDate | null = null;
  const entryDate = dates[4];
  if (entryDate !== undefined) {
    const month = Number(entryDate.slice(0, 2));
    // The entry date has no year, so it takes the value date's unless the two straddle a year end.
    let year = valueYear;
    if (month === 12 && valueMonth === 1) year -= 1;
    if (month === 1 && valueMonth === 12) year += 1;
    bookingDate = makeDate(year, month, Number(entryDate.slice(2))) ?? fail('invalid entry date: the day does not exist');
  }
  let rest = first.slice(dates[0].length);
  // RC and RD are tried before C and D, so `RD` is a reversal; in `DD` or `DR` the second letter is the funds code.
  const mark = markPattern.exec(rest) ?? fail('invalid debit/credit mark (expected C, D, RC or RD after the dates)');
  const markCode = mark[1] ?? '';
  rest = rest.slice(mark[0].length);
  const amountMatch = /^(\d+,\d*)/.exec(rest) ?? fail('invalid amount (expected digits with a decimal comma, such as 1234,50)');
  const amount = swiftAmount(amountMatch[1] ?? '') ?? fail('invalid amount (expected digits with a decimal comma, such as 1234,50)');
  rest = rest.slice(amountMatch[0].length).replace(/^ /, '');
  const typeMatch = /^[NSF](?:[A-Z0-9]{3}| {3})/.exec(rest);
  const transactionType = typeMatch ? typeMatch[0].trim() : null;
  if (typeMatch) rest = rest.slice(typeMatch[0].length);
  const split = rest.indexOf('//');
  const customerReference = blankToNull(split >= 0 ? rest.slice(0, split) : rest);
  // A debit (D) and a reversed credit (RC) take money out of the account; a credit (C) and a reversed debit (RD) bring it in.
  const signed = markCode === 'D' || markCode === 'RC' ? negate(amount) : amount;
  return {
    entry: {
      bookingDate,
      valueDate,
      amount: signed,
      reference: null,
      remittance: null,
      counterpartyName: null,
      counterpartyAccount: null,
      bankCode: null,
      line: field.line,
    },
    customerReference,
    transactionType,
    supplementary: field.lines.slice(1).join(''),
  };
}

/** Fills an entry from its :61: line and the :86: narrative that follows it. */
function completeEntry(statementLine: StatementLine, narrativeLines: readonly string[] | null): StatementEntry {
  const narrative = narrativeLines ? parseNarrative(narrativeLines) : emptyNarrative;
  const supplementary = statementLine.supplementary.replace(/\/?TRCD\/[^/]*\/?/g, '').trim();
  const supplementaryIban = isIban(supplementary.replace(/\s/g, '')) ? supplementary.replace(/\s/g, '') : null;
  // Supplementary details with words describe the entry, as Raiffeisen writes the transaction kind there.
  const supplementaryText = supplementaryIban === null && /\p{L}/u.test(supplementary) ? supplementary : null;
  const remittance = [narrative.remittance, supplementaryText].filter((part) => part !== null).join(' ');
  return {
    ...statementLine.entry,
    reference: narrative.reference ?? realReference(statementLine.customerReference),
    remittance: blankToNull(remittance),
    counterpartyName: narrative.counterpartyName,
    counterpartyAccount: narrative.counterpartyAccount ?? supplementaryIban,
    bankCode: narrative.bankCode ?? statementLine.transactionType,
  };
}

interface OpenStatement {
  statement: ParsedStatement;
  hasAccount: boolean;
  closed: boolean;
  pending: { statementLine: StatementLine; narrative: string[] | null }[];
}

/**
 * Parses an MT940 file. An invalid balance or :61: line rejects the whole
 * file, while an invalid available balance (:64:, :65:) becomes a warning.
 */
export function parseMt940(bytes: Uint8Array, file: string, encoding?: BankEncoding): ParsedBankFile {
  const text = decodeBankText(bytes, encoding);
  const warnings: ParseWarning[] = [];
  const fields = readFields(text, file, warnings);
  if (!fields.some((field) => field.tag === '20' || field.tag === '25')) {
    const firstLine = splitLines(stripFraming(text))[0] ?? '';
    throw new FileRowError(file, 1, ':20:', firstLine.slice(0, 80), 'not an MT940 statement: the :20: and :25: fields are missing');
  }
  const statements: ParsedStatement[] = [];
  let open: OpenStatement | null = null;

  const finish = (): void => {
    if (!open) return;
    if (!open.hasAccount) {
      throw new FileRowError(file, open.statement.line, ':25:', '', 'the statement has no account: the :25: field is missing');
    }
    open.statement.entries = open.pending.map((item) => completeEntry(item.statementLine, item.narrative));
    statements.push(open.statement);
    open = null;
  };
  const start = (line: number): OpenStatement => {
    finish();
    const created: OpenStatement = {
      statement: {
        account: '',
        currency: null,
        statementId: null,
        openingBalance: null,
        closingBalance: null,
        openingDate: null,
        closingDate: null,
        entries: [],
        line,
      },
      hasAccount: false,
      closed: false,
      pending: [],
    };
    open = created;
    return created;
  };

  for (const field of fields) {
    const value = field.lines.join('');
    const tag = field.tag;
    if (tag === '20') {
      start(field.line).statement.statementId = blankToNull(value);
      continue;
    }
    let current: OpenStatement = open ?? start(field.line);
    if (tag === '25') {
      if (current.hasAccount) current = start(field.line);
      const { account, currency } = parseAccount(value);
      current.statement.account = account;
      current.statement.currency ??= currency;
      current.hasAccount = true;
    } else if (/^6[02][FM]$/.test(tag)) {
      const balance = parseBalance(value) ?? fail(field, value, 'invalid balance (expected C or D, YYMMDD, currency, amount such as C200131EUR12,50)');
      current.statement.currency ??= balance.currency;
      if (tag.startsWith('60')) {
        current.statement.openingBalance = balance.amount;
        current.statement.openingDate = balance.date;
      } else {
        current.statement.closingBalance = balance.amount;
        current.statement.closingDate = balance.date;
        current.closed = true;
      }
    } else if (/^6[45][A-Z]?$/.test(tag)) {
      if (parseBalance(value) === null) {
        warnings.push({
          file,
          line: field.line,
          field: `:${tag}:`,
          value,
          message: 'invalid available balance (expected C or D, YYMMDD, currency, amount such as C200131EUR12,50); skipped',
        });
      }
    } else if (tag === '61') {
      current.pending.push({ statementLine: parseStatementLine(field, file), narrative: null });
    } else if (tag === '86') {
      // A :86: after the closing balance, or before any :61:, is about the statement, not an entry.
      const last = current.pending[current.pending.length - 1];
      if (!current.closed && last) last.narrative = [...(last.narrative ?? []), ...field.lines];
    }
  }
  finish();
  return { file, type: 'mt940', statements, warnings };

  function fail(field: Field, value: string, problem: string): never {
    throw new FileRowError(file, field.line, `:${field.tag}:`, value, problem);
  }
}
