/**
 * pdfkit helpers shared by the collections documents: rendering to a
 * buffer or a stream, fixed-width table rows and page footers.
 */
import type { Writable } from 'node:stream';

export type Pdf = PDFKit.PDFDocument;

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
  doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(layout.fontSize);
  let x = layout.margin;
  columns.forEach((column, index) => {
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
