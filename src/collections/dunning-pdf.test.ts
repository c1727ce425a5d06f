import { PDFParse } from 'pdf-parse';
import { describe, expect, it } from 'vitest';
import { dunningLetterPdf, dunningLettersPdf, fillBody, placeLtrLine, placeRtlLine, totalsText, type LayoutWord, type LetterDocument } from './dunning-pdf.js';

function word(text: string, width: number, segments?: { text: string; arabic: boolean; width: number }[]): LayoutWord {
  const arabic = /[\u0600-\u06FF]/.test(text);
  return { text, arabic, width, segments: segments ?? [{ text, arabic, width }] };
}

async function textOf(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

const letter: LetterDocument = {
  companyName: 'Kuwait Cables Company',
  customerName: 'Burgan Contracting',
  customerNumber: 'K-100',
  asOf: '2026-03-20',
  level: 2,
  language: 'en',
  subject: 'Second reminder',
  bodyBefore: 'Dear Burgan Contracting, the items below are overdue.',
  bodyAfter: 'Yours sincerely',
  items: [
    { itemId: 1n, documentNumber: 'INV-7', dueDate: '2026-01-01', daysPastDue: 78, currency: 'KWD', exponent: 3, openAmount: 1_000_000n, level: 2, interestDays: 19, interest: 4_164n },
    { itemId: 2n, documentNumber: 'INV-8', dueDate: '2026-02-10', daysPastDue: 38, currency: 'JPY', exponent: 0, openAmount: 123_457n, level: 2, interestDays: 19, interest: 514n },
  ],
  feeCurrency: 'KWD',
  fee: 5_000n,
  feeExponent: 3,
  totals: [
    { currency: 'JPY', exponent: 0, openAmount: 123_457n, interest: 514n, fee: 0n, total: 123_971n },
    { currency: 'KWD', exponent: 3, openAmount: 1_000_000n, interest: 4_164n, fee: 5_000n, total: 1_009_164n },
  ],
};

describe('right-to-left layout', () => {
  it('places the first word at the right and keeps numbers left to right', () => {
    const placed = placeRtlLine([word('المبلغ', 10), word('مستحق', 20), word('1,234.500', 30), word('KWD', 15), word('حتى', 5)], 100, 2);
    // المبلغ ends at the right edge 100; مستحق ends 2 points left of it.
    // The run "1,234.500 KWD" (47 wide) keeps its order: 1,234.500 first.
    expect(placed.map((entry) => [entry.text, entry.x])).toEqual([
      ['المبلغ', 90],
      ['مستحق', 68],
      ['1,234.500', 19],
      ['KWD', 51],
      ['حتى', 12],
    ]);
  });

  it('puts trailing punctuation at the left end of an Arabic word', () => {
    const placed = placeRtlLine(
      [
        word('التالي:', 24, [
          { text: 'التالي', arabic: true, width: 20 },
          { text: ':', arabic: false, width: 4 },
        ]),
      ],
      50,
      2,
    );
    expect(placed).toEqual([
      { text: ':', arabic: false, x: 26 },
      { text: 'التالي', arabic: true, x: 30 },
    ]);
  });
});

describe('dunning letter PDF', () => {
  it('shows the items, fee, interest and totals of each currency', async () => {
    const text = await textOf(await dunningLetterPdf(letter));
    for (const expected of ['Kuwait Cables Company', 'Burgan Contracting', 'K-100', 'Reminder level 2', 'INV-7', 'INV-8', '78', '1,000.000', '4.164', '123,457', '514', '5.000', '1,009.164', '123,971']) {
      expect(text).toContain(expected);
    }
  });

  it('writes Arabic letters with Western digits and Latin document numbers', async () => {
    const arabic = { ...letter, language: 'ar' as const, subject: 'تذكير ثان', bodyBefore: 'السادة Burgan Contracting المحترمين', bodyAfter: 'مع التحية' };
    const text = await textOf(await dunningLetterPdf(arabic));
    for (const expected of ['Burgan Contracting', 'K-100', 'INV-7', '2026-01-01', '1,009.164', '123,971']) {
      expect(text).toContain(expected);
    }
  });

  it('starts each letter of a print file on its own page', async () => {
    const pdf = await dunningLettersPdf([letter, { ...letter, customerName: 'Jahra Builders' }]);
    const parser = new PDFParse({ data: new Uint8Array(pdf) });
    const info = await parser.getInfo();
    await parser.destroy();
    expect(info.total).toBe(2);
  });
});

describe('letter text', () => {
  it('splits the body at {items} and fills the placeholders', () => {
    const filled = fillBody(
      { subject: 'Reminder {customerNumber}', body: 'Dear {customerName}, as of {asOf}:\n{items}\nPlease pay {total}.' },
      { customerName: 'Burgan', customerNumber: 'K-1', companyName: 'KC', asOf: '2026-03-20', level: '2', total: totalsText(letter.totals) },
    );
    expect(filled).toEqual({ subject: 'Reminder K-1', bodyBefore: 'Dear Burgan, as of 2026-03-20:', bodyAfter: 'Please pay 123,971 JPY + 1,009.164 KWD.' });
  });
});

describe('left-to-right layout', () => {
  it('keeps an Arabic name right to left inside an English line', () => {
    const placed = placeLtrLine([word('Dear', 20), word('مؤسسة', 30), word('برقان', 25), word('team', 18)], 50, 2);
    // "Dear" at 50; the Arabic run (30 + 2 + 25 = 57 wide) spans 72..129
    // with its first word at the right; "team" follows at 131.
    expect(placed.map((entry) => [entry.text, entry.x])).toEqual([
      ['Dear', 50],
      ['مؤسسة', 99],
      ['برقان', 72],
      ['team', 131],
    ]);
  });
});
