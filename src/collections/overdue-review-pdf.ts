/**
 * The overdue review pack as an A4 PDF for the meeting. The cover has the
 * region's totals and two bar charts: overdue by aging bucket, and
 * overdue now against the previous review. A table of customers with
 * their change, exposure, promises and disputes follows, then the agreed
 * actions.
 */
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { formatMinorGrouped } from '../shared/money.js';
import type { OverdueReview, ReviewCustomer } from './overdue-review.js';
import { drawCells, drawPageFooters, ensureRoom as ensureTableRoom, fit, pdfBuffer, writePdf, type Column, type Pdf, type TableLayout } from './pdf-common.js';

const margin = 40;
const fontSize = 7.5;
const rowHeight = 11;
const layout: TableLayout = { margin, fontSize, footerRoom: 22 };

/** Draws one table row at `y`, leaving the cursor where it was, so rows sit rowHeight apart. */
function drawRow(doc: Pdf, columns: readonly Column[], cells: readonly string[], y: number, bold = false): void {
  const cursor = doc.y;
  drawCells(doc, layout, columns, cells, y, bold);
  doc.y = cursor;
}

function ensureRoom(doc: Pdf, height: number): boolean {
  return ensureTableRoom(doc, layout, height);
}

function signed(amount: bigint | null, exponent: number): string {
  if (amount === null) return '-';
  const text = formatMinorGrouped(amount, exponent);
  return amount > 0n ? `+${text}` : text;
}

/** Draws labelled horizontal bars, scaled to the largest absolute value. */
function drawBars(doc: Pdf, title: string, bars: readonly { label: string; amount: bigint }[], exponent: number): void {
  const labelWidth = 110;
  const valueWidth = 90;
  const barRoom = doc.page.width - 2 * margin - labelWidth - valueWidth;
  let largest = 0n;
  for (const bar of bars) {
    const size = bar.amount < 0n ? -bar.amount : bar.amount;
    if (size > largest) largest = size;
  }
  doc.font('Helvetica-Bold').fontSize(10).text(title, margin, doc.y);
  doc.moveDown(0.4);
  for (const bar of bars) {
    const y = doc.y;
    // Bar lengths are for the eye only, so a float is fine here.
    const share = largest === 0n ? 0 : Number((bar.amount < 0n ? -bar.amount : bar.amount) * 1000n / largest) / 1000;
    doc.font('Helvetica').fontSize(8).text(bar.label, margin, y, { width: labelWidth - 4, lineBreak: false });
    doc.rect(margin + labelWidth, y, Math.max(share * barRoom, 0.5), 9).fill(bar.amount < 0n ? '#8aa' : '#c55');
    doc.fillColor('black').text(formatMinorGrouped(bar.amount, exponent), margin + labelWidth + barRoom, y, {
      width: valueWidth,
      align: 'right',
      lineBreak: false,
    });
    doc.y = y + 14;
  }
  doc.moveDown(0.8);
}

function drawCover(doc: Pdf, review: OverdueReview): void {
  const { company, totals } = review;
  const exponent = company.currencyExponent;
  const money = (amount: bigint) => `${formatMinorGrouped(amount, exponent)} ${company.currency}`;
  doc.font('Helvetica-Bold').fontSize(16).text(`Overdue review: region ${review.region}`, margin, margin);
  doc.font('Helvetica').fontSize(10).text(`${company.name} (${company.code}), as of ${review.date}`);
  doc.text(review.previous ? `Compared with review ${review.previous.reviewId} of ${review.previous.date}` : 'First review of this region');
  doc.moveDown();

  const listed = review.customers.filter((customer) => customer.status !== 'gone');
  const lines: [string, string][] = [
    ['Customers with overdue', String(listed.length)],
    ['New on the list', String(review.customers.filter((customer) => customer.status === 'new').length)],
    ['Gone from the list', String(review.customers.filter((customer) => customer.status === 'gone').length)],
    ['Total overdue', money(totals.overdue)],
    ['Overdue at the previous review', totals.previousOverdue === null ? '-' : money(totals.previousOverdue)],
    ['Change since the previous review', totals.previousOverdue === null ? '-' : `${signed(totals.change, exponent)} ${company.currency}`],
    ['Open balance', money(totals.balance)],
    ['Disputed (in the balance)', money(totals.disputed)],
    ['Uncleared checks', money(totals.checkCover)],
    ['Net exposure (balance less checks)', money(totals.netExposure)],
  ];
  const columns: Column[] = [
    { header: '', width: 200, align: 'left' },
    { header: '', width: 150, align: 'right' },
  ];
  for (const [label, value] of lines) {
    drawRow(doc, columns, [label, value], doc.y, label === 'Total overdue');
    doc.y += rowHeight + 2;
  }
  doc.moveDown();

  // The buckets between "not due" and the unapplied credits are the overdue ones.
  const overdueBuckets = review.buckets.slice(1, review.buckets.length - 1);
  drawBars(
    doc,
    `Overdue by days past due, ${company.currency}`,
    overdueBuckets.map((bucket, index) => ({ label: bucket.label, amount: totals.bucketAmounts[index + 1] ?? 0n })),
    exponent,
  );
  if (totals.previousOverdue !== null) {
    drawBars(
      doc,
      `Overdue now and at the previous review, ${company.currency}`,
      [
        { label: `Previous (${review.previous!.date})`, amount: totals.previousOverdue },
        { label: `Now (${review.date})`, amount: totals.overdue },
      ],
      exponent,
    );
  }
}

const customerColumns: Column[] = [
  { header: 'Customer', width: 55, align: 'left' },
  { header: 'Name', width: 95, align: 'left' },
  { header: 'Status', width: 35, align: 'left' },
  { header: 'Overdue', width: 55, align: 'right' },
  { header: 'Previous', width: 55, align: 'right' },
  { header: 'Change', width: 55, align: 'right' },
  { header: 'Disputed', width: 50, align: 'right' },
  { header: 'Net exposure', width: 60, align: 'right' },
  { header: 'Prom.', width: 28, align: 'right' },
  { header: 'Disp.', width: 27, align: 'right' },
];

function customerCells(customer: ReviewCustomer, exponent: number): string[] {
  const money = (amount: bigint) => formatMinorGrouped(amount, exponent);
  return [
    customer.customerNumber,
    customer.name,
    customer.status,
    money(customer.overdue),
    customer.previousOverdue === null ? '-' : money(customer.previousOverdue),
    signed(customer.change, exponent),
    money(customer.disputed),
    money(customer.netExposure),
    String(customer.promises.length),
    String(customer.disputes.length),
  ];
}

function drawCustomerTable(doc: Pdf, review: OverdueReview): void {
  const exponent = review.company.currencyExponent;
  const header = (title: string) => {
    doc.font('Helvetica-Bold').fontSize(10).text(title, margin, doc.y);
    doc.moveDown(0.3);
    drawRow(doc, customerColumns, customerColumns.map((column) => column.header), doc.y, true);
    doc.y += rowHeight + 2;
  };
  doc.addPage();
  doc.y = margin;
  const title = `Customers, ${review.company.currency}`;
  header(title);
  for (const customer of review.customers) {
    if (ensureRoom(doc, rowHeight)) header(`${title} (continued)`);
    drawRow(doc, customerColumns, customerCells(customer, exponent), doc.y);
    doc.y += rowHeight;
    const notes = [
      ...customer.promises.map((promise) => `promise ${formatMinorGrouped(promise.amount, promise.currencyExponent)} ${promise.currency} by ${promise.promisedDate}`),
      ...customer.disputes.map((dispute) => `dispute ${formatMinorGrouped(dispute.amount, dispute.currencyExponent)} ${dispute.currency} (${dispute.reason}) since ${dispute.openedDate}`),
    ];
    if (notes.length > 0) {
      if (ensureRoom(doc, rowHeight)) header(`${title} (continued)`);
      doc.font('Helvetica-Oblique').fontSize(fontSize - 0.5);
      const cursor = doc.y;
      doc.text(fit(doc, notes.join('; '), doc.page.width - 2 * margin - 60), margin + 60, cursor, { lineBreak: false });
      doc.y = cursor + rowHeight;
    }
  }
  const totals = review.totals;
  const money = (amount: bigint) => formatMinorGrouped(amount, exponent);
  ensureRoom(doc, rowHeight + 4);
  doc.y += 3;
  drawRow(
    doc,
    customerColumns,
    ['Total', '', '', money(totals.overdue), totals.previousOverdue === null ? '-' : money(totals.previousOverdue), signed(totals.change, exponent), money(totals.disputed), money(totals.netExposure), '', ''],
    doc.y,
    true,
  );
  doc.y += rowHeight + 10;
}

const actionColumns: Column[] = [
  { header: 'Customer', width: 55, align: 'left' },
  { header: 'Action', width: 200, align: 'left' },
  { header: 'Owner', width: 120, align: 'left' },
  { header: 'Due', width: 55, align: 'left' },
  { header: 'Status', width: 85, align: 'left' },
];

function drawActions(doc: Pdf, review: OverdueReview): void {
  ensureRoom(doc, 4 * rowHeight);
  doc.font('Helvetica-Bold').fontSize(10).text('Agreed actions', margin, doc.y);
  doc.moveDown(0.3);
  if (review.actions.length === 0) {
    doc.font('Helvetica').fontSize(9).text('No actions recorded yet.', margin, doc.y);
    return;
  }
  drawRow(doc, actionColumns, actionColumns.map((column) => column.header), doc.y, true);
  doc.y += rowHeight + 2;
  for (const action of review.actions) {
    ensureRoom(doc, rowHeight);
    const status = action.status === 'done' ? `done ${action.doneDate}` : 'open';
    drawRow(doc, actionColumns, [action.customerNumber, action.text, action.owner, action.due, status], doc.y);
    doc.y += rowHeight;
  }
}

function drawPageNumbers(doc: Pdf, review: OverdueReview): void {
  drawPageFooters(doc, margin, (page, pageCount) => `Overdue review ${review.reviewId}, region ${review.region}, ${review.date} - page ${page} of ${pageCount}`);
}

function drawReview(doc: Pdf, review: OverdueReview): void {
  drawCover(doc, review);
  drawCustomerTable(doc, review);
  drawActions(doc, review);
  drawPageNumbers(doc, review);
  doc.end();
}

function newDocument(review: OverdueReview): Pdf {
  return new PDFDocument({
    size: 'A4',
    margin,
    bufferPages: true,
    info: {
      Title: `Overdue review ${review.region} ${review.date}`,
      Author: review.company.name,
      Creator: 'ardesk',
    },
  });
}

/** Writes the review pack as a PDF to a stream and resolves once the stream has finished. */
export function writeOverdueReviewPdf(review: OverdueReview, output: Writable): Promise<void> {
  return writePdf(
    () => newDocument(review),
    output,
    (doc) => drawReview(doc, review),
  );
}

/** Renders the review pack as a PDF in memory. */
export function overdueReviewPdfBuffer(review: OverdueReview): Promise<Buffer> {
  return pdfBuffer(
    () => newDocument(review),
    (doc) => drawReview(doc, review),
  );
}
