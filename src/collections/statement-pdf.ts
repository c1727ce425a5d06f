/**
 * The statement of account as an A4 PDF, and a batch that writes many
 * statements to files one after another.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { Queryable } from '../db/types.js';
import { InputError } from '../shared/errors.js';
import { formatMinorGrouped } from '../shared/money.js';
import {
  customerStatement,
  lineTypeLabel,
  type CustomerStatement,
  type StatementAging,
  type StatementLine,
  type StatementRequest,
  type StatementSection,
} from './statement.js';
import { drawCells, fontFor, drawPageFooters, ensureRoom as ensureTableRoom, pdfBuffer, writePdf, type Column, type Pdf, type TableLayout } from './pdf-common.js';

const margin = 40;
const fontSize = 7.5;
const rowHeight = 11;
/** The 22 points kept above the bottom margin are for the page number. */
const layout: TableLayout = { margin, fontSize, footerRoom: 22 };

/** Widths add up to the A4 width inside the margins (515 points). */
function lineColumns(currency: string): Column[] {
  return [
    { header: 'Date', width: 50, align: 'left' },
    { header: 'Type', width: 50, align: 'left' },
    { header: 'Document', width: 70, align: 'left' },
    { header: 'Due date', width: 50, align: 'left' },
    { header: 'Description', width: 125, align: 'left' },
    { header: `Debit ${currency}`, width: 56, align: 'right' },
    { header: `Credit ${currency}`, width: 56, align: 'right' },
    { header: `Balance ${currency}`, width: 58, align: 'right' },
  ];
}

function money(amount: bigint, exponent: number): string {
  return formatMinorGrouped(amount, exponent);
}

/** Draws one row at `y`; the caller moves on, since pdfkit's own cursor would add a line per cell. */
function drawRow(doc: Pdf, columns: readonly Column[], cells: readonly string[], y: number, bold = false): void {
  const cursor = doc.y;
  drawCells(doc, layout, columns, cells, y, bold);
  doc.y = cursor;
}

function drawRule(doc: Pdf, y: number): void {
  doc
    .moveTo(margin, y)
    .lineTo(doc.page.width - margin, y)
    .lineWidth(0.5)
    .strokeColor('#888888')
    .stroke();
}

function ensureRoom(doc: Pdf, height: number): boolean {
  return ensureTableRoom(doc, layout, height);
}

function drawHeading(doc: Pdf, statement: CustomerStatement): void {
  const { company, customer } = statement;
  fontFor(doc, company.name, true).fontSize(14).text(company.name, margin, margin);
  doc.font('Helvetica').fontSize(10).text('Statement of account');
  doc.moveDown(0.6);
  fontFor(doc, customer.name, true).fontSize(10).text(customer.name);
  doc.font('Helvetica').fontSize(9).text(`Customer number ${customer.customerNumber}`);
  if (customer.country) doc.text(`Country ${customer.country}`);
  if (customer.region && customer.region !== customer.country) doc.text(`Region ${customer.region}`);
  doc.text(`Period ${statement.from} to ${statement.to}`);
  doc.moveDown(0.8);
}

function drawTableHeader(doc: Pdf, columns: readonly Column[], title: string): void {
  doc.font('Helvetica-Bold').fontSize(9).text(title, margin, doc.y);
  doc.moveDown(0.3);
  const y = doc.y;
  drawRow(doc, columns, columns.map((column) => column.header), y, true);
  drawRule(doc, y + rowHeight - 1);
  doc.y = y + rowHeight + 1;
}

function lineCells(line: StatementLine, exponent: number): string[] {
  return [
    line.date,
    lineTypeLabel(line.type),
    line.documentNumber,
    line.dueDate ?? '',
    line.description,
    line.amount > 0n ? money(line.amount, exponent) : '',
    line.amount < 0n ? money(-line.amount, exponent) : '',
    money(line.balance, exponent),
  ];
}

function balanceCells(date: string, label: string, amount: bigint, exponent: number): string[] {
  return [date, '', '', '', label, '', '', money(amount, exponent)];
}

function drawAging(doc: Pdf, aging: StatementAging, currency: string, exponent: number): void {
  const labels = [...aging.buckets.map((bucket) => bucket.label), 'Total'];
  const width = (doc.page.width - 2 * margin) / labels.length;
  const columns: Column[] = labels.map((label) => ({ header: label, width, align: 'right' }));
  ensureRoom(doc, 4 * rowHeight + 14);
  doc.font('Helvetica-Bold').fontSize(9).text(`Aging as of ${aging.asOf} by due date, ${currency}`, margin, doc.y);
  doc.moveDown(0.3);
  const y = doc.y;
  // Bucket labels may take two lines, such as "Unapplied credits".
  doc.font('Helvetica-Bold').fontSize(fontSize);
  columns.forEach((column, index) => {
    doc.text(labels[index]!, margin + index * width + 1, y, { width: width - 2, align: 'right', height: 2 * rowHeight });
  });
  doc.y = y;
  drawRow(doc, columns, [...aging.amounts, aging.total].map((amount) => money(amount, exponent)), y + 2 * rowHeight);
  doc.y = y + 3 * rowHeight + 8;
}

function drawSection(doc: Pdf, statement: CustomerStatement, section: StatementSection): void {
  const columns = lineColumns(section.currency);
  const title = `Account in ${section.currency}`;
  ensureRoom(doc, 4 * rowHeight + 14);
  drawTableHeader(doc, columns, title);
  const put = (cells: string[], bold = false) => {
    if (ensureRoom(doc, rowHeight)) drawTableHeader(doc, columns, `${title} (continued)`);
    drawRow(doc, columns, cells, doc.y, bold);
    doc.y += rowHeight;
  };
  put(balanceCells(statement.from, 'Opening balance', section.openingBalance, section.exponent), true);
  for (const line of section.lines) put(lineCells(line, section.exponent));
  drawRule(doc, doc.y);
  doc.y += 2;
  put(balanceCells(statement.to, 'Closing balance', section.closingBalance, section.exponent), true);
  doc.y += 6;
  drawAging(doc, section.aging, section.currency, section.exponent);
}

function drawTotals(doc: Pdf, statement: CustomerStatement): void {
  const { totals } = statement;
  ensureRoom(doc, 5 * rowHeight + 40);
  doc.font('Helvetica-Bold').fontSize(9).text(`All currencies in ${totals.currency}`, margin, doc.y);
  doc.moveDown(0.3);
  const columns: Column[] = [
    { header: '', width: 120, align: 'left' },
    { header: '', width: 100, align: 'right' },
  ];
  const rows: [string, bigint][] = [
    ['Opening balance', totals.openingBalance],
    ['Movement', totals.movement],
    ['Closing balance', totals.closingBalance],
  ];
  for (const [label, amount] of rows) {
    drawRow(doc, columns, [label, `${money(amount, totals.exponent)} ${totals.currency}`], doc.y, label === 'Closing balance');
    doc.y += rowHeight;
  }
  doc.y += 6;
  drawAging(doc, totals.aging, totals.currency, totals.exponent);
}

function drawPageNumbers(doc: Pdf): void {
  drawPageFooters(doc, margin, (page, pageCount) => `Page ${page} of ${pageCount}`);
}

/**
 * Draws the statement on an A4 document and ends it. The caller pipes the
 * document where it should go before calling this.
 */
function drawStatement(doc: Pdf, statement: CustomerStatement): void {
  drawHeading(doc, statement);
  if (statement.sections.length === 0) {
    doc.font('Helvetica').fontSize(9).text('Nothing was open at the start of the period and nothing happened during it.');
    doc.moveDown();
  }
  for (const section of statement.sections) drawSection(doc, statement, section);
  const onlyLocal = statement.sections.length === 1 && statement.sections[0]!.currency === statement.totals.currency;
  if (!onlyLocal) drawTotals(doc, statement);
  drawPageNumbers(doc);
  doc.end();
}

function newDocument(statement: CustomerStatement): Pdf {
  return new PDFDocument({
    size: 'A4',
    margin,
    // Page numbers read "Page 1 of N", so pages stay open until the last is drawn.
    bufferPages: true,
    info: {
      Title: `Statement of account ${statement.customer.customerNumber} ${statement.from} to ${statement.to}`,
      Author: statement.company.name,
      Creator: 'ardesk',
    },
  });
}

/** Writes the statement as a PDF to a stream and resolves once the stream has finished. */
export function writeStatementPdf(statement: CustomerStatement, output: Writable): Promise<void> {
  return writePdf(
    () => newDocument(statement),
    output,
    (doc) => drawStatement(doc, statement),
  );
}

/** Renders the statement as a PDF in memory. */
export function statementPdfBuffer(statement: CustomerStatement): Promise<Buffer> {
  return pdfBuffer(
    () => newDocument(statement),
    (doc) => drawStatement(doc, statement),
  );
}

/** Writes the statement as a PDF file; a failed write leaves no file behind. */
export async function writeStatementPdfFile(statement: CustomerStatement, file: string): Promise<void> {
  const partial = `${file}.part`;
  try {
    await writeStatementPdf(statement, createWriteStream(partial));
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw new InputError(`failed to write ${file}: ${(error as Error).message}`, 'output_not_writable', 'output');
  }
}

export interface StatementJob {
  request: StatementRequest;
  file: string;
}

export interface StatementJobOutcome {
  file: string;
  customerNumber: string;
  ok: boolean;
  /** Error message when the statement was not written; null when it was. */
  error: string | null;
  /** Closing balance in the company's local currency, as minor units; null on failure. */
  closingBalanceLocal: bigint | null;
}

/**
 * Writes one PDF file per job, one statement at a time: each is read,
 * drawn and flushed to its file before the next is read, so memory contains
 * one statement whatever the number of jobs. Jobs may come from an async
 * generator, such as a query read page by page. A job with bad input
 * (unknown customer, a period the wrong way round, scope) gets a failed
 * outcome and the batch goes on; any other error stops it.
 */
export async function writeStatementPdfs(
  db: Queryable,
  jobs: Iterable<StatementJob> | AsyncIterable<StatementJob>,
  onOutcome: (outcome: StatementJobOutcome) => void = () => {},
): Promise<StatementJobOutcome[]> {
  const outcomes: StatementJobOutcome[] = [];
  for await (const job of jobs) {
    let outcome: StatementJobOutcome;
    try {
      const statement = await customerStatement(db, job.request);
      await writeStatementPdfFile(statement, job.file);
      outcome = {
        file: job.file,
        customerNumber: job.request.customerNumber,
        ok: true,
        error: null,
        closingBalanceLocal: statement.totals.closingBalance,
      };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      outcome = { file: job.file, customerNumber: job.request.customerNumber, ok: false, error: error.message, closingBalanceLocal: null };
    }
    outcomes.push(outcome);
    onOutcome(outcome);
  }
  return outcomes;
}
