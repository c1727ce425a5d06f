/**
 * Resolves the columns a mapping names (header names or 1-based numbers)
 * to cell positions, once per file, so a missing column is reported once
 * with the header line instead of on every row.
 */
import { FileRowError, InputError } from '../shared/errors.js';
import type { DateFormat } from '../shared/dates.js';
import type { ColumnRef, ResolvedMapping } from './mapping.js';
import type { Table } from './table.js';

export interface Column {
  index: number;
  label: string;
}

function resolveColumn(table: Table, ref: ColumnRef): Column {
  if (typeof ref === 'number') {
    const name = table.header?.[ref - 1];
    return { index: ref - 1, label: name ? name : String(ref) };
  }
  if (!table.header) {
    throw new InputError(
      `mapping names column "${ref}", but the file has no header row; use column numbers counted from 1`,
      'invalid_mapping',
      'mapping',
    );
  }
  const matches = table.header.flatMap((name, index) => (name === ref ? [index] : []));
  if (matches.length === 0) {
    throw new FileRowError(
      table.file,
      table.headerLine ?? 1,
      ref,
      '',
      `column not found in the header; the header has: ${table.header.join(', ')}`,
    );
  }
  if (matches.length > 1) {
    throw new FileRowError(
      table.file,
      table.headerLine ?? 1,
      ref,
      ref,
      `the header has ${matches.length} columns of this name; refer to one by its number`,
    );
  }
  return { index: matches[0]!, label: ref };
}

export interface DateField {
  column: Column;
  format: DateFormat;
}

/** The mapping with every column resolved against the file's header. */
export interface ResolvedColumns {
  company?: Column;
  customer: {
    number: Column;
    name?: Column;
    group?: Column;
    country?: Column;
    region?: Column;
    collector?: Column;
    salesRep?: Column;
    paymentTerms?: Column;
    segment?: Column;
  };
  documentNumber: Column;
  erpKey: Column[];
  kind?: Column;
  documentDate?: DateField;
  postingDate: DateField;
  dueDate: DateField;
  currency?: Column;
  disputed?: Column;
  paymentTerms?: Column;
  reference?: Column;
  amount?: Column;
  indicator?: Column;
  debit?: Column;
  credit?: Column;
  local?: Column;
}

export function resolveColumns(table: Table, mapping: ResolvedMapping): ResolvedColumns {
  const column = (ref: ColumnRef) => resolveColumn(table, ref);
  const optional = (ref: ColumnRef | undefined) => (ref === undefined ? undefined : column(ref));
  const date = (spec: ResolvedMapping['item']['postingDate']): DateField =>
    typeof spec === 'object'
      ? { column: column(spec.column), format: spec.format }
      : { column: column(spec), format: mapping.dateFormat };
  const { customer, item, amount } = mapping;
  const erpKey = item.erpKey ?? item.documentNumber;
  return {
    company: optional(mapping.company.column),
    customer: {
      number: column(customer.number),
      name: optional(customer.name),
      group: optional(customer.group),
      country: optional(customer.country),
      region: optional(customer.region),
      collector: optional(customer.collector),
      salesRep: optional(customer.salesRep),
      paymentTerms: optional(customer.paymentTerms),
      segment: optional(customer.segment),
    },
    documentNumber: column(item.documentNumber),
    erpKey: typeof erpKey === 'object' ? erpKey.columns.map(column) : [column(erpKey)],
    kind: optional(item.kind.column),
    documentDate: item.documentDate === undefined ? undefined : date(item.documentDate),
    postingDate: date(item.postingDate),
    dueDate: date(item.dueDate),
    currency: optional(item.currency?.column),
    disputed: optional(item.disputed?.column),
    paymentTerms: optional(item.paymentTerms),
    reference: optional(item.reference),
    amount: optional(amount.column),
    indicator: optional(amount.indicatorColumn),
    debit: optional(amount.debitColumn),
    credit: optional(amount.creditColumn),
    local: optional(amount.localColumn),
  };
}
