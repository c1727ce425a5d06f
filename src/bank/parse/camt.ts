/**
 * ISO 20022 cash management files: camt.053 statements, camt.052 account
 * reports and camt.054 debit/credit notifications, versions .001.02 to
 * .001.10. The parts read here have the same element names in all of them;
 * namespaces and prefixes are ignored, so the version does not matter.
 *
 * fast-xml-parser gives no line numbers, so the lines of statements,
 * balances and entries are found by scanning the text for their opening
 * tags in document order, which is the order the parser returns them in.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FileRowError } from '../../shared/errors.js';
import { isIsoDate, type IsoDate } from '../../shared/dates.js';
import { normaliseDecimal } from '../amounts.js';
import type { BankFileType, ParsedBankFile, ParsedStatement, ParseWarning, StatementEntry } from '../statement.js';
import { decodeBankText } from './text.js';

type XmlObject = { [key: string]: unknown };

/** The message element under Document, the element name of its statements and the file type. */
const messageKinds: readonly { message: string; statement: string; type: BankFileType }[] = [
  { message: 'BkToCstmrStmt', statement: 'Stmt', type: 'camt053' },
  { message: 'BkToCstmrAcctRpt', statement: 'Rpt', type: 'camt053' },
  { message: 'BkToCstmrDbtCdtNtfctn', statement: 'Ntfctn', type: 'camt054' },
];

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

function isObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a possibly repeated element as an array, because the parser gives one value or an array. */
function all(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Follows a path of child names, taking the first of any repeated element. */
function child(node: unknown, ...path: string[]): unknown {
  let current: unknown = node;
  for (const name of path) {
    if (Array.isArray(current)) current = current[0];
    if (!isObject(current)) return undefined;
    current = current[name];
  }
  return Array.isArray(current) ? current[0] : current;
}

/** Returns the text of a leaf element. An element with only attributes (`<Amt Ccy="EUR"/>`) has empty text. */
function textOf(node: unknown): string | null {
  if (typeof node === 'string') return node;
  if (isObject(node)) {
    const text = node['#text'];
    if (typeof text === 'string') return text;
    return Object.keys(node).every((key) => key.startsWith('@_')) ? '' : null;
  }
  return null;
}

/** Returns all children of that name, whether the element occurs once or repeats. */
function children(node: unknown, name: string): unknown[] {
  return isObject(node) ? all(node[name]) : [];
}

function text(node: unknown, ...path: string[]): string | null {
  return textOf(child(node, ...path));
}

/** Collapses whitespace, returning null for empty text. */
function clean(value: string | null): string | null {
  if (value === null) return null;
  const collapsed = value.replace(/\s+/g, ' ').trim();
  return collapsed === '' ? null : collapsed;
}

function attribute(node: unknown, name: string): string | null {
  const value = isObject(node) ? node[`@_${name}`] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function negate(decimal: string): string {
  if (decimal.startsWith('-')) return decimal.slice(1);
  return /^[0.]*$/.test(decimal) ? decimal : `-${decimal}`;
}

/** Normalises an unsigned camt amount (the sign is in CdtDbtInd), returning null when it is invalid. */
function unsignedAmount(value: string | null): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) return null;
  return normaliseDecimal(trimmed);
}

/**
 * Reads the date of a `<Dt>` or `<DtTm>` choice: `2017-04-01+02:00` and
 * `2017-04-01T10:00:00` give 2017-04-01. The date part is the bank's own
 * calendar day, so no time zone is applied.
 */
function dateOf(node: unknown): { date: IsoDate | null; raw: string | null } {
  const raw = text(node, 'Dt') ?? text(node, 'DtTm');
  if (raw === null) return { date: null, raw: null };
  const head = raw.trim().slice(0, 10);
  const rest = raw.trim().slice(10);
  const restOk = rest === '' || /^(T.*|Z|[+-]\d{2}:\d{2})$/.test(rest);
  return { date: isIsoDate(head) && restOk ? head : null, raw };
}

/** Line finder for elements: scans the text for opening tags, skipping comments, CDATA and processing instructions. */
class TagLines {
  private readonly lineStarts: number[] = [0];
  private readonly offsets = new Map<string, number[]>();

  constructor(
    private readonly source: string,
    names: readonly string[],
  ) {
    const breaks = /\r\n|\n|\r/g;
    for (let match = breaks.exec(source); match; match = breaks.exec(source)) {
      this.lineStarts.push(match.index + match[0].length);
    }
    const wanted = new Set(names);
    const tags = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<[?!][\s\S]*?>|<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(?=[\s/>])/g;
    for (let match = tags.exec(source); match; match = tags.exec(source)) {
      const name = match[1];
      if (name === undefined || !wanted.has(name)) continue;
      const list = this.offsets.get(name) ?? [];
      list.push(match.index);
      this.offsets.set(name, list);
    }
  }

  /** Returns the offset of the n-th (0-based) opening tag of that name, or 0 when the scan found fewer. */
  offset(name: string, index: number): number {
    return this.offsets.get(name)?.[index] ?? 0;
  }

  /** Returns the offset of the first opening tag of that name at or after `from`, or `from` when there is none. */
  next(name: string, from: number): number {
    const pattern = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}(?=[\\s/>])`, 'g');
    pattern.lastIndex = from;
    const match = pattern.exec(this.source);
    return match ? match.index : from;
  }

  line(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}

interface Balance {
  code: string | null;
  amount: string;
  date: IsoDate | null;
}

class CamtReader {
  readonly warnings: ParseWarning[] = [];
  private readonly lines: TagLines;
  private balanceIndex = 0;
  private entryIndex = 0;

  constructor(
    private readonly file: string,
    source: string,
    private readonly statementTag: string,
  ) {
    this.lines = new TagLines(source, [statementTag, 'Bal', 'Ntry']);
  }

  private warn(line: number, field: string, value: string, message: string): void {
    this.warnings.push({ file: this.file, line, field, value, message });
  }

  statement(node: unknown, index: number): ParsedStatement {
    const tag = this.statementTag;
    const offset = this.lines.offset(tag, index);
    const line = this.lines.line(offset);
    const acct = child(node, 'Acct');
    const account = clean(text(acct, 'Id', 'IBAN')) ?? clean(text(acct, 'Id', 'Othr', 'Id'));
    if (account === null) {
      throw new FileRowError(this.file, this.lines.line(this.lines.next('Acct', offset)), `${tag}/Acct/Id`, '', 'missing account id (Acct/Id/IBAN or Acct/Id/Othr/Id)');
    }

    const balanceNodes = children(node, 'Bal');
    const entryNodes = children(node, 'Ntry');
    const currency =
      clean(text(acct, 'Ccy')) ??
      [...balanceNodes, ...entryNodes].map((item) => attribute(child(item, 'Amt'), 'Ccy')).find((ccy) => ccy !== null) ??
      null;

    const balances = balanceNodes
      .map((balance) => this.balance(balance))
      .filter((balance): balance is Balance => balance !== null);
    const [opening, closing] = pickBalances(balances);

    return {
      account,
      currency,
      statementId: clean(text(node, 'Id')),
      openingBalance: opening?.amount ?? null,
      closingBalance: closing?.amount ?? null,
      openingDate: opening?.date ?? null,
      closingDate: closing?.date ?? null,
      entries: entryNodes.map((entry) => this.entry(entry)),
      line,
    };
  }

  /**
   * Reads a balance, returning null for a malformed one that is skipped.
   * OPBD and CLBD state what the statement must add up to, so an invalid
   * one rejects the file. Other types are fallbacks or unused, so an
   * invalid one only gives a warning.
   */
  private balance(node: unknown): Balance | null {
    const offset = this.lines.offset('Bal', this.balanceIndex++);
    const code = clean(text(node, 'Tp', 'CdOrPrtry', 'Cd'));
    const required = code === 'OPBD' || code === 'CLBD';
    const rawAmount = text(node, 'Amt');
    const amount = unsignedAmount(rawAmount);
    if (amount === null) {
      const line = this.lines.line(this.lines.next('Amt', offset));
      const problem = `invalid ${code ?? 'untyped'} balance amount, expected a plain decimal such as 1234.50`;
      if (required) throw new FileRowError(this.file, line, 'Bal/Amt', rawAmount ?? '', problem);
      this.warn(line, 'Bal/Amt', rawAmount ?? '', `${problem}. The balance was skipped`);
      return null;
    }
    // A balance without CdtDbtInd is read as a credit (a positive balance).
    const indicator = clean(text(node, 'CdtDbtInd'));
    if (indicator !== null && indicator !== 'CRDT' && indicator !== 'DBIT') {
      const line = this.lines.line(this.lines.next('CdtDbtInd', offset));
      const problem = `invalid ${code ?? 'untyped'} balance CdtDbtInd, expected CRDT or DBIT`;
      if (required) throw new FileRowError(this.file, line, 'Bal/CdtDbtInd', indicator, problem);
      this.warn(line, 'Bal/CdtDbtInd', indicator, `${problem}. The balance was skipped`);
      return null;
    }
    const dated = dateOf(child(node, 'Dt'));
    if (dated.raw !== null && dated.date === null) {
      this.warn(this.lines.line(this.lines.next('Dt', offset)), 'Bal/Dt', dated.raw, 'invalid balance date, so it was left empty');
    }
    return { code, amount: indicator === 'DBIT' ? negate(amount) : amount, date: dated.date };
  }

  private entry(node: unknown): StatementEntry {
    const offset = this.lines.offset('Ntry', this.entryIndex++);
    const line = this.lines.line(offset);
    const rawAmount = text(node, 'Amt');
    const amount = unsignedAmount(rawAmount);
    if (amount === null) {
      throw new FileRowError(this.file, this.lines.line(this.lines.next('Amt', offset)), 'Ntry/Amt', rawAmount ?? '', 'invalid entry amount, expected a plain decimal such as 1234.50');
    }
    const indicator = clean(text(node, 'CdtDbtInd'));
    if (indicator !== 'CRDT' && indicator !== 'DBIT') {
      const fieldLine = indicator === null ? line : this.lines.line(this.lines.next('CdtDbtInd', offset));
      throw new FileRowError(this.file, fieldLine, 'Ntry/CdtDbtInd', indicator ?? '', indicator === null ? 'missing entry CdtDbtInd, expected CRDT or DBIT' : 'invalid entry CdtDbtInd, expected CRDT or DBIT');
    }
    // RvslInd does not change the sign: ISO 20022 states that a reversal
    // entry carries the direction of the reversal booking itself (a
    // reversed credit is booked as DBIT with RvslInd true), and that is the
    // booking that moves the balance.
    const credit = indicator === 'CRDT';
    const details = children(node, 'NtryDtls').flatMap((group) => children(group, 'TxDtls'));

    return {
      bookingDate: this.entryDate(node, 'BookgDt', offset),
      valueDate: this.entryDate(node, 'ValDt', offset),
      amount: credit ? amount : negate(amount),
      reference: entryReference(node, details),
      remittance: remittance(node, details),
      ...counterparty(details, credit),
      bankCode: bankCode(node),
      line,
    };
  }

  private entryDate(node: unknown, field: 'BookgDt' | 'ValDt', offset: number): IsoDate | null {
    const dated = dateOf(child(node, field));
    if (dated.raw !== null && dated.date === null) {
      this.warn(this.lines.line(this.lines.next(field, offset)), `Ntry/${field}`, dated.raw, 'invalid date, so it was left empty');
    }
    return dated.date;
  }
}

/**
 * Opening: OPBD, else PRCD (the previous closing), else the first ITBD (a
 * page that continues an earlier one). Closing: CLBD, else the last ITBD (a
 * page that goes on in a later one). An ITBD is used for one side only.
 */
function pickBalances(balances: readonly Balance[]): [Balance | null, Balance | null] {
  const byCode = (code: string) => balances.find((balance) => balance.code === code) ?? null;
  let opening = byCode('OPBD') ?? byCode('PRCD');
  let closing = byCode('CLBD');
  const interim = balances.filter((balance) => balance.code === 'ITBD');
  if (opening === null && closing === null) {
    if (interim.length >= 2) opening = interim[0] ?? null;
    closing = interim[interim.length - 1] ?? null;
  } else if (opening === null) {
    opening = interim[0] ?? null;
  } else if (closing === null) {
    closing = interim[interim.length - 1] ?? null;
  }
  return [opening, closing];
}

function entryReference(node: unknown, details: readonly unknown[]): string | null {
  const own = clean(text(node, 'NtryRef')) ?? clean(text(node, 'AcctSvcrRef'));
  if (own !== null) return own;
  for (const detail of details) {
    const endToEnd = clean(text(detail, 'Refs', 'EndToEndId'));
    if (endToEnd !== null && endToEnd !== 'NOTPROVIDED') return endToEnd;
  }
  return null;
}

/**
 * Remittance text of all transaction details of the entry: structured
 * creditor references and referred document numbers first (they are what
 * matching looks for), then unstructured lines, then the bank's additional
 * transaction and entry information. Repeated parts are kept once, since
 * banks often copy the same text into several of these fields.
 */
function remittance(node: unknown, details: readonly unknown[]): string | null {
  const structured: (string | null)[] = [];
  const unstructured: (string | null)[] = [];
  const additional: (string | null)[] = [];
  for (const detail of details) {
    for (const info of children(detail, 'RmtInf')) {
      for (const strd of children(info, 'Strd')) {
        for (const ref of children(strd, 'CdtrRefInf')) structured.push(text(ref, 'Ref'));
        for (const doc of children(strd, 'RfrdDocInf')) structured.push(text(doc, 'Nb'));
      }
      for (const line of children(info, 'Ustrd')) unstructured.push(textOf(line));
    }
    for (const info of children(detail, 'AddtlTxInf')) additional.push(textOf(info));
  }
  for (const info of children(node, 'AddtlNtryInf')) additional.push(textOf(info));

  const parts: string[] = [];
  for (const part of [...structured, ...unstructured, ...additional]) {
    const cleaned = clean(part);
    if (cleaned !== null && !parts.includes(cleaned)) parts.push(cleaned);
  }
  return parts.length === 0 ? null : parts.join(' ');
}

function partyName(party: unknown): string | null {
  return clean(text(party, 'Nm')) ?? clean(text(party, 'Pty', 'Nm'));
}

function accountId(account: unknown): string | null {
  return clean(text(account, 'Id', 'IBAN')) ?? clean(text(account, 'Id', 'Othr', 'Id'));
}

/**
 * Finds the other party: the debtor of a credit, the creditor of a debit.
 * A batch entry stays one entry because the statement balances count the
 * entry, not its details. Its counterparty is kept only when all details
 * that name one agree, so no single payer is picked for a mixed batch.
 */
function counterparty(
  details: readonly unknown[],
  credit: boolean,
): { counterpartyName: string | null; counterpartyAccount: string | null } {
  const names = new Set<string>();
  const accounts = new Set<string>();
  for (const detail of details) {
    const parties = child(detail, 'RltdPties');
    const name = partyName(child(parties, credit ? 'Dbtr' : 'Cdtr'));
    const account = accountId(child(parties, credit ? 'DbtrAcct' : 'CdtrAcct'));
    if (name !== null) names.add(name);
    if (account !== null) accounts.add(account);
  }
  const only = (values: Set<string>) => (values.size === 1 ? ([...values][0] ?? null) : null);
  return { counterpartyName: only(names), counterpartyAccount: only(accounts) };
}

/** Returns the ISO domain/family/sub-family code, else the bank's proprietary code. */
function bankCode(node: unknown): string | null {
  const code = child(node, 'BkTxCd');
  const domain = [text(code, 'Domn', 'Cd'), text(code, 'Domn', 'Fmly', 'Cd'), text(code, 'Domn', 'Fmly', 'SubFmlyCd')]
    .map(clean)
    .filter((part): part is string => part !== null);
  if (domain.length > 0) return domain.join('/');
  return clean(text(code, 'Prtry', 'Cd'));
}

function notCamt(file: string, value: string, problem: string): FileRowError {
  return new FileRowError(file, 1, 'Document', value, problem);
}

/** Parses a camt.052, camt.053 or camt.054 file. A broken required value rejects the whole file. */
export function parseCamt(bytes: Uint8Array, file: string): ParsedBankFile {
  const source = decodeBankText(bytes);
  // Blank lines before the XML declaration are invalid XML, but some exports
  // have them. They are dropped for the parser and counted for line numbers.
  const start = source.trimStart();
  const skippedLines = source.slice(0, source.length - start.length).split(/\r\n|\n|\r/).length - 1;
  if (!start.startsWith('<')) {
    throw notCamt(file, start.slice(0, 40), 'not an XML file: a camt file starts with <');
  }
  const valid = XMLValidator.validate(start);
  if (valid !== true) {
    const line = valid.err.line + skippedLines;
    const value = source.split(/\r\n|\n|\r/)[line - 1]?.trim().slice(0, 80) ?? '';
    throw new FileRowError(file, line, 'XML', value, `invalid XML: ${valid.err.msg}`);
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(start);
  } catch (error) {
    throw notCamt(file, start.slice(0, 40), `invalid XML: ${error instanceof Error ? error.message : String(error)}`);
  }

  const rootName = isObject(parsed) ? Object.keys(parsed).find((key) => !key.startsWith('?')) : undefined;
  const root = rootName !== undefined && isObject(parsed) ? parsed[rootName] : undefined;
  // Document is the usual root; a bare message element is accepted too.
  const holder: unknown = rootName === 'Document' ? root : parsed;
  const kind = messageKinds.find((candidate) => isObject(holder) && holder[candidate.message] !== undefined);
  if (kind === undefined || !isObject(holder)) {
    throw notCamt(file, rootName ?? '', 'not a camt.052, camt.053 or camt.054 document: missing BkToCstmrStmt, BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn');
  }
  const statementNodes = children(holder[kind.message], kind.statement);
  if (statementNodes.length === 0) {
    throw notCamt(file, kind.message, `missing ${kind.statement} in the ${kind.message} message`);
  }

  const reader = new CamtReader(file, source, kind.statement);
  const statements = statementNodes.map((node, index) => reader.statement(node, index));
  return { file, type: kind.type, statements, warnings: reader.warnings };
}
