/**
 * Dunning letters as A4 PDF, in English (left to right) or Arabic (right
 * to left). pdfkit shapes Arabic words through fontkit, which returns the
 * glyphs of a right-to-left run in visual order. pdfkit does not apply
 * the bidirectional algorithm to a line, so Arabic lines are laid out
 * here word by word from the right margin, with runs of Latin words and
 * numbers kept left to right inside them.
 */
import PDFDocument from 'pdfkit';
import { formatMinorGrouped } from '../shared/money.js';
import type { LetterLanguage } from './contacts.js';
import { fillTemplate, type LetterText } from './dunning-levels.js';
import type { CurrencyTotal, DunningItem } from './dunning-proposal.js';
import { arabicFont, arabicFontFile, hasArabic, pdfBuffer, type Pdf } from './pdf-common.js';

/** The content of one letter, its texts already in the letter's language. */
export interface LetterDocument {
  companyName: string;
  customerName: string;
  customerNumber: string;
  asOf: string;
  level: number;
  language: LetterLanguage;
  subject: string;
  /** Body text before and after the items table, placeholders filled. */
  bodyBefore: string;
  bodyAfter: string;
  items: DunningItem[];
  feeCurrency: string | null;
  fee: bigint;
  feeExponent: number;
  totals: CurrencyTotal[];
}

const margin = 50;
const fontSize = 10;
const tableFontSize = 8;
const rowHeight = 13;
const latinFont = 'Helvetica';
const latinBold = 'Helvetica-Bold';


const labels = {
  en: {
    title: 'Payment reminder',
    level: 'Reminder level',
    date: 'Date',
    customer: 'Customer number',
    document: 'Document',
    dueDate: 'Due date',
    daysPastDue: 'Days past due',
    currency: 'Currency',
    openAmount: 'Open amount',
    interest: 'Interest',
    total: 'Total',
    fee: 'Reminder fee',
    totalDue: 'Total due',
  },
  ar: {
    title: 'تذكير بالسداد',
    level: 'مستوى التذكير',
    date: 'التاريخ',
    customer: 'رقم العميل',
    document: 'رقم المستند',
    dueDate: 'تاريخ الاستحقاق',
    daysPastDue: 'أيام التأخير',
    currency: 'العملة',
    openAmount: 'المبلغ المستحق',
    interest: 'الفائدة',
    total: 'الإجمالي',
    fee: 'رسوم التذكير',
    totalDue: 'إجمالي المبلغ المستحق',
  },
} as const;


/** A run of one script inside a word: the Arabic font has no Latin letters, digits or ASCII punctuation. */
export interface Segment {
  text: string;
  arabic: boolean;
  width: number;
}

/** A word measured for layout, with its script runs. */
export interface LayoutWord {
  text: string;
  arabic: boolean;
  width: number;
  segments: Segment[];
}

function setFont(doc: Pdf, arabic: boolean, size: number, bold = false): void {
  let font = bold ? latinBold : latinFont;
  if (arabic) font = arabicFont;
  doc.font(font).fontSize(size);
}

/** Arabic letters with the marks and Arabic punctuation between them, or anything else. */
const segmentPattern = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]+|[^\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]+/g;

function measureWords(doc: Pdf, text: string, size: number, bold: boolean): LayoutWord[] {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => {
      const segments = (word.match(segmentPattern) ?? []).map((part) => {
        const arabic = hasArabic(part);
        setFont(doc, arabic, size, bold);
        return { text: part, arabic, width: doc.widthOfString(part) };
      });
      const width = segments.reduce((sum, segment) => sum + segment.width, 0);
      return { text: word, arabic: hasArabic(word), width, segments };
    });
}

function spaceWidth(doc: Pdf, size: number): number {
  setFont(doc, false, size);
  return doc.widthOfString(' ');
}

/** Breaks words into lines no wider than `width`, in logical order. */
function wrapWords(words: readonly LayoutWord[], width: number, space: number): LayoutWord[][] {
  const lines: LayoutWord[][] = [];
  let line: LayoutWord[] = [];
  let used = 0;
  for (const word of words) {
    const needed = line.length === 0 ? word.width : used + space + word.width;
    if (line.length > 0 && needed > width) {
      lines.push(line);
      line = [word];
      used = word.width;
    } else {
      line.push(word);
      used = needed;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** A word placed on the page: its left edge. */
export interface PlacedWord {
  text: string;
  arabic: boolean;
  x: number;
}

/**
 * Places one right-to-left line ending at `right`: the first word of the
 * line sits at the right, and each run of words without Arabic letters
 * (numbers, dates, Latin document numbers) reads left to right inside it.
 */
export function placeRtlLine(line: readonly LayoutWord[], right: number, space: number): PlacedWord[] {
  const groups: LayoutWord[][] = [];
  for (const word of line) {
    const last = groups[groups.length - 1];
    if (last && !word.arabic && !last[0]!.arabic) last.push(word);
    else groups.push([word]);
  }
  const placed: PlacedWord[] = [];
  let edge = right;
  for (const group of groups) {
    const width = group.reduce((sum, word) => sum + word.width, 0) + space * (group.length - 1);
    let x = edge - width;
    for (const word of group) {
      // Inside an Arabic word the first segment sits at the right, as
      // the colon of "التالي:" sits at its left end.
      const segments = word.arabic ? [...word.segments].reverse() : word.segments;
      let segmentX = x;
      for (const segment of segments) {
        placed.push({ text: segment.text, arabic: segment.arabic, x: segmentX });
        segmentX += segment.width;
      }
      x += word.width + space;
    }
    edge -= width + space;
  }
  return placed;
}

/**
 * Places one left-to-right line starting at `left`. A run of Arabic words,
 * such as a customer's Arabic name in an English letter, reads right to
 * left inside it.
 */
export function placeLtrLine(line: readonly LayoutWord[], left: number, space: number): PlacedWord[] {
  const placed: PlacedWord[] = [];
  let x = left;
  let index = 0;
  while (index < line.length) {
    let end = index + 1;
    if (line[index]!.arabic) while (end < line.length && line[end]!.arabic) end++;
    const run = line.slice(index, end);
    const width = run.reduce((sum, word) => sum + word.width, 0) + space * (run.length - 1);
    placed.push(...(run[0]!.arabic ? placeRtlLine(run, x + width, space) : placeWordsLtr(run, x, space)));
    x += width + space;
    index = end;
  }
  return placed;
}

function placeWordsLtr(run: readonly LayoutWord[], left: number, space: number): PlacedWord[] {
  const placed: PlacedWord[] = [];
  let x = left;
  for (const word of run) {
    let segmentX = x;
    for (const segment of word.segments) {
      placed.push({ text: segment.text, arabic: segment.arabic, x: segmentX });
      segmentX += segment.width;
    }
    x += word.width + space;
  }
  return placed;
}

/**
 * Writes a paragraph at the cursor, wrapped to the text width. English
 * without Arabic script goes through pdfkit; anything else is laid out
 * word by word, Arabic letters from the right margin.
 */
function paragraph(doc: Pdf, text: string, language: LetterLanguage, size = fontSize, bold = false): void {
  const width = doc.page.width - 2 * margin;
  if (language === 'en' && !hasArabic(text)) {
    setFont(doc, false, size, bold);
    doc.text(text, margin, doc.y, { width });
    return;
  }
  const space = spaceWidth(doc, size) * 1.2;
  const lineHeight = size * (hasArabic(text) ? 1.7 : 1.25);
  for (const source of text.split('\n')) {
    const lines = wrapWords(measureWords(doc, source, size, bold), width, space);
    if (lines.length === 0) doc.y += lineHeight * 0.6;
    for (const line of lines) {
      ensureRoom(doc, lineHeight);
      const placed = language === 'ar' ? placeRtlLine(line, doc.page.width - margin, space) : placeLtrLine(line, margin, space);
      drawPlaced(doc, placed, doc.y, size, bold);
      doc.y += lineHeight;
    }
  }
}

function drawPlaced(doc: Pdf, words: readonly PlacedWord[], y: number, size: number, bold: boolean): void {
  for (const word of words) {
    setFont(doc, word.arabic, size, bold);
    // Both fonts share the baseline: their line boxes differ in height.
    doc.text(word.text, word.x, y + size, { lineBreak: false, baseline: 'alphabetic' });
  }
}

function ensureRoom(doc: Pdf, height: number): void {
  if (doc.y + height > doc.page.height - margin) {
    doc.addPage();
    doc.y = margin;
  }
}

interface Column {
  key: keyof (typeof labels)['en'];
  width: number;
  numeric: boolean;
}

/** Widths add up to the A4 width inside the margins (495 points). */
const columns: Column[] = [
  { key: 'document', width: 88, numeric: false },
  { key: 'dueDate', width: 58, numeric: false },
  { key: 'daysPastDue', width: 64, numeric: true },
  { key: 'currency', width: 45, numeric: false },
  { key: 'openAmount', width: 85, numeric: true },
  { key: 'interest', width: 70, numeric: true },
  { key: 'total', width: 85, numeric: true },
];

/** Draws a cell's text inside [x, x + width] with the given alignment, Arabic words right to left. */
function cell(doc: Pdf, text: string, x: number, y: number, width: number, align: 'left' | 'right', bold: boolean): void {
  if (hasArabic(text)) {
    const space = spaceWidth(doc, tableFontSize);
    const words = measureWords(doc, text, tableFontSize, bold);
    const total = words.reduce((sum, word) => sum + word.width, 0) + space * (words.length - 1);
    const right = align === 'right' ? x + width - 2 : Math.min(x + width - 2, x + 2 + total);
    drawPlaced(doc, placeRtlLine(words, right, space), y, tableFontSize, bold);
    return;
  }
  setFont(doc, false, tableFontSize, bold);
  doc.text(text, x + 2, y + tableFontSize, { width: width - 4, align, lineBreak: false, baseline: 'alphabetic' });
}

/** Draws a table row; in Arabic the first column sits at the right. */
function tableRow(doc: Pdf, cells: readonly string[], language: LetterLanguage, bold = false): void {
  ensureRoom(doc, rowHeight);
  const y = doc.y;
  let x = language === 'ar' ? doc.page.width - margin : margin;
  columns.forEach((column, index) => {
    const left = language === 'ar' ? x - column.width : x;
    const align = column.numeric || language === 'ar' ? 'right' : 'left';
    cell(doc, cells[index] ?? '', left, y, column.width, align, bold);
    x = language === 'ar' ? x - column.width : x + column.width;
  });
  doc.y = y + rowHeight;
}

function rule(doc: Pdf): void {
  doc.moveTo(margin, doc.y - 2).lineTo(doc.page.width - margin, doc.y - 2).lineWidth(0.5).strokeColor('#888888').stroke();
}

function drawItems(doc: Pdf, letter: LetterDocument): void {
  const text = labels[letter.language];
  const money = (amount: bigint, exponent: number) => formatMinorGrouped(amount, exponent);

  doc.y += 4;
  tableRow(doc, columns.map((column) => text[column.key]), letter.language, true);
  rule(doc);
  doc.y += 2;

  for (const item of letter.items) {
    tableRow(
      doc,
      [
        item.documentNumber,
        item.dueDate,
        String(item.daysPastDue),
        item.currency,
        money(item.openAmount, item.exponent),
        money(item.interest, item.exponent),
        money(item.openAmount + item.interest, item.exponent),
      ],
      letter.language,
    );
  }
  rule(doc);
  doc.y += 2;

  if (letter.feeCurrency !== null && letter.fee > 0n) {
    tableRow(doc, [text.fee, '', '', letter.feeCurrency, '', '', money(letter.fee, letter.feeExponent)], letter.language);
  }
  for (const total of letter.totals) {
    tableRow(
      doc,
      [text.totalDue, '', '', total.currency, money(total.openAmount, total.exponent), money(total.interest, total.exponent), money(total.total, total.exponent)],
      letter.language,
      true,
    );
  }
  doc.y += 8;
}

function drawHeading(doc: Pdf, letter: LetterDocument): void {
  const text = labels[letter.language];
  doc.y = margin;
  paragraph(doc, letter.companyName, letter.language, 14, true);
  paragraph(doc, text.title, letter.language, 10);
  doc.y += 10;
  paragraph(doc, letter.customerName, letter.language, 10, true);
  paragraph(doc, `${text.customer} ${letter.customerNumber}`, letter.language, 9);
  paragraph(doc, `${text.date} ${letter.asOf}`, letter.language, 9);
  paragraph(doc, `${text.level} ${letter.level}`, letter.language, 9);
  doc.y += 10;
  paragraph(doc, letter.subject, letter.language, 11, true);
  doc.y += 4;
}

/** Draws one letter from the top of the current page. */
function drawLetter(doc: Pdf, letter: LetterDocument): void {
  drawHeading(doc, letter);
  if (letter.bodyBefore) paragraph(doc, letter.bodyBefore, letter.language);
  drawItems(doc, letter);
  if (letter.bodyAfter) paragraph(doc, letter.bodyAfter, letter.language);
}

function newDocument(title: string, author: string): Pdf {
  const doc = new PDFDocument({ size: 'A4', margin, info: { Title: title, Author: author, Creator: 'ardesk' } });
  doc.registerFont(arabicFont, arabicFontFile());
  return doc;
}

/** Renders letters into one PDF, each starting on a new page. */
export function dunningLettersPdf(letters: readonly LetterDocument[], title = 'Dunning letters'): Promise<Buffer> {
  return pdfBuffer(
    () => newDocument(title, letters[0]?.companyName ?? 'ardesk'),
    (doc) => {
      letters.forEach((letter, index) => {
        if (index > 0) doc.addPage();
        drawLetter(doc, letter);
      });
      if (letters.length === 0) doc.font(latinFont).fontSize(fontSize).text('No letters.');
      doc.end();
    },
  );
}

/** Renders one letter as a PDF in memory. */
export function dunningLetterPdf(letter: LetterDocument): Promise<Buffer> {
  return dunningLettersPdf([letter], `${labels.en.title} ${letter.customerNumber} ${letter.asOf}`);
}

/** Totals as text for the {total} placeholder, such as `1,234.500 KWD + 80.00 USD`. */
export function totalsText(totals: readonly CurrencyTotal[]): string {
  return totals.map((total) => `${formatMinorGrouped(total.total, total.exponent)} ${total.currency}`).join(' + ');
}

/** Splits a body template at {items} and fills both parts; without {items} the table follows the body. */
export function fillBody(text: LetterText, values: Parameters<typeof fillTemplate>[1]): { subject: string; bodyBefore: string; bodyAfter: string } {
  const [before = '', after = ''] = text.body.split('{items}');
  return { subject: fillTemplate(text.subject, values), bodyBefore: fillTemplate(before, values).trim(), bodyAfter: fillTemplate(after, values).trim() };
}
