import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser, type TestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { regionalLedger } from '../../test/browser/regional.js';
import { loadFixture } from '../../test/server/fixture.js';
import { agingReport, agingReportToJson, defaultBucketLimits } from '../aging/index.js';
import { unrestricted } from '../auth/index.js';
import { applyImport } from '../ledger/index.js';
import { buildApp } from './app.js';
import { packageRoot } from './web.js';

let db: TestDb;
let app: FastifyInstance;
let admin: TestUser;
let regional: TestUser;

beforeAll(async () => {
  db = await openTestDb();
  await loadFixture(db);
  await applyImport(db, { kind: 'test', file: 'regional', sha256: 'regional' }, [regionalLedger()]);
  app = await buildApp(db, { logLevel: 'silent' });
  admin = await createTestUser(db, { role: 'admin' });
  regional = await createTestUser(db, { role: 'regional_accountant', companies: ['RG01'], regions: ['NORTH'] });
});

afterAll(async () => {
  await app.close();
  await db.close();
});

async function readWorkbook(payload: Buffer): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(payload as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

/** Writes a workbook cell as the API writes amounts: numbers with the currency's decimals, text as it is. */
function cellText(value: unknown, exponent: number): string {
  return typeof value === 'number' ? value.toFixed(exponent) : String(value);
}

describe('GET /exports/aging.xlsx', () => {
  it('returns the aging report as a workbook', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/exports/aging.xlsx?asOf=2026-03-31&company=KW01&by=country',
      headers: bearer(admin.token),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(response.headers['content-disposition']).toBe('attachment; filename="aging-KW01-2026-03-31.xlsx"');

    const report = agingReportToJson(
      await agingReport(db, {
        companies: ['KW01'],
        asOf: '2026-03-31',
        basis: 'due',
        groupBy: 'country',
        bucketLimits: defaultBucketLimits,
        currency: 'local',
        scope: unrestricted,
      }),
    );
    const rows = await readWorkbook(response.rawPayload);
    expect(rows[0]).toEqual(['Country', 'Currency', ...report.buckets.map((bucket) => bucket.label), 'Disputed (in buckets)', 'Total']);
    expect(rows).toHaveLength(report.rows.length + 2);
    report.rows.forEach((row, index) => {
      const cells = rows[index + 1]!;
      expect(cells[0]).toBe(row.key);
      expect(cells[1]).toBe('KWD');
      expect(cells.slice(2).map((cell) => cellText(cell, 3))).toEqual([...row.amounts, row.disputed, row.total]);
    });
    const footer = rows.at(-1)!;
    expect(footer.slice(0, 2)).toEqual(['Total', 'KWD']);
    expect(footer.slice(2).map((cell) => cellText(cell, 3))).toEqual([...report.total!.amounts, report.total!.disputed, report.total!.total]);
  });

  it('keeps a regional user to their region', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/exports/aging.xlsx?asOf=2026-03-31&company=RG01&by=customer',
      headers: bearer(regional.token),
    });
    expect(response.statusCode).toBe(200);
    const rows = await readWorkbook(response.rawPayload);
    const north = regionalLedger().items.filter((item) => item.customerNumber.startsWith('N'));
    expect(rows.slice(1).map((cells) => cells[0])).toEqual([...north.map((item) => item.customerNumber), 'Total']);
    const total = north.reduce((sum, item) => sum + item.amount, 0n);
    expect(cellText(rows.at(-1)!.at(-1), 2)).toBe((Number(total) / 100).toFixed(2));
  });

  it('rejects a request without credentials', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/exports/aging.xlsx?asOf=2026-03-31' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthenticated');
  });

  it('returns the aging error for a bad parameter', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/exports/aging.xlsx?asOf=2026-02-30',
      headers: bearer(admin.token),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe('asOf');
  });

  it('forbids a company outside the scope', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/exports/aging.xlsx?asOf=2026-03-31&company=KW01',
      headers: bearer(regional.token),
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('forbidden');
  });
});

describe('GET /import-mappings', () => {
  it('lists the example mappings', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/import-mappings', headers: bearer(admin.token) });
    expect(response.statusCode).toBe(200);
    const dir = join(packageRoot, 'examples', 'mappings');
    const files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
    const body = response.json() as { mappings: { name: string; description: string | null; mapping: unknown }[] };
    expect(body.mappings.map((entry) => entry.name)).toEqual(files);
    for (const entry of body.mappings) {
      const mapping = JSON.parse(readFileSync(join(dir, entry.name), 'utf8')) as { description?: string };
      expect(entry.mapping).toEqual(mapping);
      expect(entry.description).toBe(mapping.description ?? null);
    }
  });
});
