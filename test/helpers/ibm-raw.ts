/**
 * Reads the IBM late-payment sample straight from its text, apart from
 * the importer, so tests can compute expected figures another way.
 */

export interface RawInvoice {
  country: string;
  customer: string;
  invoiceDate: string;
  dueDate: string;
  settledDate: string;
  disputed: boolean;
  cents: bigint;
}

/** Converts M/D/YYYY to YYYY-MM-DD. */
export function usDate(text: string): string {
  const [month, day, year] = text.split('/');
  return `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`;
}

/** Returns the days since 1970-01-01 of an ISO date. */
export function dayNumber(iso: string): number {
  const [year, month, day] = iso.split('-').map(Number);
  return Date.UTC(year!, month! - 1, day!) / 86_400_000;
}

/** Parses the CSV text: the file has no quoted fields and two-decimal amounts. */
export function parseRawIbm(text: string): RawInvoice[] {
  const lines = text.split('\r\n').filter((line) => line !== '');
  const header = lines[0]!.split(',');
  const cell = (cells: string[], name: string) => cells[header.indexOf(name)]!;
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const [whole, fraction = ''] = cell(cells, 'InvoiceAmount').split('.');
    return {
      country: cell(cells, 'countryCode'),
      customer: cell(cells, 'customerID'),
      invoiceDate: usDate(cell(cells, 'InvoiceDate')),
      dueDate: usDate(cell(cells, 'DueDate')),
      settledDate: usDate(cell(cells, 'SettledDate')),
      disputed: cell(cells, 'Disputed') === 'Yes',
      cents: BigInt(whole! + fraction.padEnd(2, '0')),
    };
  });
}
