import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { AgingJson } from '../../aging/json.js';
import { writeXlsx, type OutputCell, type OutputColumn, type OutputDocument } from '../../cli/output.js';
import { parseDecimal } from '../../shared/money.js';
import type { ApiInstance } from '../validation.js';

const groupingHeaders: Record<string, string> = {
  customer: 'Customer',
  group: 'Customer group',
  country: 'Country',
  region: 'Region',
  collector: 'Collector',
  currency: 'Item currency',
  company: 'Company',
};

/** Groupings whose rows carry a name beside the key, as on the aging page. */
const namedGroupings = new Set(['customer', 'group', 'company', 'currency']);

/** Reads an API amount such as "1234.567" back into minor units with its exponent. */
function moneyCell(decimal: string): OutputCell {
  const exponent = decimal.split('.')[1]?.length ?? 0;
  return { amount: parseDecimal(decimal, exponent), exponent };
}

/**
 * Lays out an aging report as the aging page shows it: key, name (for
 * named groupings), currency, one column per bucket, total, and a total
 * line per currency.
 */
export function agingExportDocument(report: AgingJson, groupBy: string): OutputDocument {
  const named = namedGroupings.has(groupBy);
  const keyHeader = groupingHeaders[groupBy] ?? 'Key';
  const columns: OutputColumn[] = [
    { key: 'key', header: keyHeader, type: 'text' },
    ...(named ? [{ key: 'name', header: 'Name', type: 'text' } as const] : []),
    { key: 'currency', header: 'Currency', type: 'text' },
    ...report.buckets.map((bucket, index) => ({ key: `bucket${index}`, header: bucket.label, type: 'money' as const })),
    { key: 'disputed', header: 'Disputed (in buckets)', type: 'money' },
    { key: 'total', header: 'Total', type: 'money' },
  ];
  const leading = (key: string, name: string | null, currency: string): OutputCell[] =>
    named ? [key, name, currency] : [key, currency];
  const rows = report.rows.map((row) => [
    ...leading(row.key, row.name, row.currency),
    ...row.amounts.map(moneyCell),
    moneyCell(row.disputed),
    moneyCell(row.total),
  ]);
  const totals = report.total ? [{ currency: report.currency, ...report.total }] : (report.totals ?? []);
  const footer = totals.map((total) => [
    ...leading('Total', null, total.currency),
    ...total.amounts.map(moneyCell),
    moneyCell(total.disputed),
    moneyCell(total.total),
  ]);
  const basis = report.basis === 'due' ? 'due date' : 'document date';
  return {
    tables: [
      {
        title: `Aging ${report.asOf} by ${groupBy} (${basis})`,
        columns,
        rows,
        footer,
      },
    ],
  };
}

function safeFilePart(text: string): string {
  return text.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'all';
}

/**
 * Registers `GET /exports/aging.xlsx`, which takes the query of
 * `GET /aging` and returns that report as an XLSX workbook. The report is
 * fetched through the aging route itself, with the caller's credentials,
 * so validation, scope and permissions are exactly those of the screen.
 */
export async function registerExportRoutes(app: ApiInstance, apiPrefix: string): Promise<void> {
  app.get(
    '/exports/aging.xlsx',
    {
      schema: {
        tags: ['aging'],
        summary: 'The aging report as an XLSX workbook',
        description:
          'Takes the parameters of GET /aging and returns the same report as a workbook: one row per key, one column per bucket, and a total line per currency. Errors are those of GET /aging.',
        querystring: z.looseObject({ by: z.string().optional() }),
      },
    },
    async (request, reply) => {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const headers: Record<string, string> = {};
      if (request.headers.cookie) headers.cookie = request.headers.cookie;
      if (request.headers.authorization) headers.authorization = request.headers.authorization;
      const response = await app.inject({ method: 'GET', url: `${apiPrefix}/aging${query}`, headers });
      if (response.statusCode !== 200) {
        return reply.code(response.statusCode).type('application/json').send(response.json());
      }
      const report = response.json<AgingJson>();
      const groupBy = request.query.by ?? 'customer';
      const company = new URLSearchParams(query).getAll('company').join('-');
      const fileName = `aging-${safeFilePart(company)}-${report.asOf}.xlsx`;

      const dir = await mkdtemp(join(tmpdir(), 'ardesk-export-'));
      const file = join(dir, fileName);
      try {
        await writeXlsx(agingExportDocument(report, groupBy), file);
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
      const stream = createReadStream(file);
      const removeDir = () => void rm(dir, { recursive: true, force: true });
      stream.once('close', removeDir);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
}
