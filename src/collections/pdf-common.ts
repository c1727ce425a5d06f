/**
 * pdfkit helpers shared by the collections documents: rendering to a
 * buffer or a stream, fixed-width table rows and page footers.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

export type Pdf = PDFKit.PDFDocument;

/** The registered name of the bundled Arabic font. */
export const arabicFont = 'NotoSansArabic';

const arabicPattern = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/;

/** Returns whether `text` contains Arabic letters. */
export function hasArabic(text: string): boolean {
  return arabicPattern.test(text);
}

/** Returns the path of the Noto Sans Arabic font file; its Arabic subset has no Latin letters or digits. */
export function arabicFontFile(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@fontsource/noto-sans-arabic/package.json'));
  return join(root, 'files', 'noto-sans-arabic-arabic-400-normal.woff');
}

const withArabic = new WeakSet<Pdf>();

/**
 * Selects the font for a line of text: Helvetica, or the Arabic font
 * (registered on first use) when the text contains Arabic letters, which
 * Helvetica cannot draw.
 * NOTE: the Arabic font has no Latin letters or digits, so a name mixing
 * both loses its Latin part. Only the dunning letters split text by script.
 */
export function fontFor(doc: Pdf, text: string, bold = false): Pdf {
  if (!hasArabic(text)) return doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
  if (!withArabic.has(doc)) {
    doc.registerFont(arabicFont, arabicFontFile());
    withArabic.add(doc);
  }
  return doc.font(arabicFont);
}

export interface Column {
  header: string;
  width: number;
  align: 'left' | 'right';
}

/** Page margin, table font size and the room kept above the bottom margin for a footer, in points. */
export interface TableLayout {
  margin: number;
  fontSize: number;
  footerRoom: number;
}

/** Cuts text to the width, ending with an ellipsis, so a row stays one line high. */
export function fit(doc: Pdf, text: string, width: number): string {
  if (doc.widthOfString(text) <= width - 2) return text;
  let cut = text;
  while (cut.length > 1 && doc.widthOfString(`${cut}…`) > width - 2) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * Draws one row of cells at `y`, each cut to its column's width. pdfkit
 * leaves `doc.y` one text line below `y` afterwards.
 */
export function drawCells(
  doc: Pdf,
  layout: TableLayout,
  columns: readonly Column[],
  cells: readonly string[],
  y: number,
  bold = false,
): void {
  let x = layout.margin;
  columns.forEach((column, index) => {
    fontFor(doc, cells[index] ?? '', bold).fontSize(layout.fontSize);
    const text = fit(doc, cells[index] ?? '', column.width);
    doc.text(text, x + 1, y, { width: column.width - 2, align: column.align, lineBreak: false });
    x += column.width;
  });
}

/** Moves to a new page when `height` does not fit above the footer; returns whether it did. */
export function ensureRoom(doc: Pdf, layout: TableLayout, height: number): boolean {
  if (doc.y + height <= doc.page.height - layout.margin - layout.footerRoom) return false;
  doc.addPage();
  doc.y = layout.margin;
  return true;
}

/**
 * Writes a footer line at the bottom right of every page. The document must
 * be made with `bufferPages: true` so that the earlier pages are still open.
 */
export function drawPageFooters(doc: Pdf, margin: number, footer: (page: number, pageCount: number) => string): void {
  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index++) {
    doc.switchToPage(index);
    doc
      .font('Helvetica')
      .fontSize(7)
      .text(footer(index - range.start + 1, range.count), margin, doc.page.height - margin - 10, {
        width: doc.page.width - 2 * margin,
        align: 'right',
        lineBreak: false,
      });
  }
}

/**
 * Makes a document, pipes it to a stream and runs `draw`, which must end the
 * document. Resolves once the stream has finished.
 */
export function writePdf(newDocument: () => Pdf, output: Writable, draw: (doc: Pdf) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const doc = newDocument();
    output.once('finish', resolve);
    output.once('error', reject);
    doc.once('error', reject);
    doc.pipe(output);
    draw(doc);
  });
}

/** Makes a document, runs `draw`, which must end it, and resolves with the whole PDF in memory. */
export function pdfBuffer(newDocument: () => Pdf, draw: (doc: Pdf) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = newDocument();
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.once('end', () => resolve(Buffer.concat(chunks)));
    doc.once('error', reject);
    draw(doc);
  });
}
