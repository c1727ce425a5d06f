/**
 * Hostile requests to the dunning, worklist and contact routes: bad ids
 * and dates, wrong roles, and users limited to one region.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { cliActor } from '../auth/actor.js';
import { setContact } from '../collections/contacts.js';
import { setDunningLevels, type DunningLevelsJson } from '../collections/dunning-levels.js';
import { applyImport, getCompany } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let smtp: LocalSmtp;
let collector: Record<string, string>;
let manager: Record<string, string>;
let auditor: Record<string, string>;
let north: Record<string, string>;
let northEmail: string;
const customerIds = new Map<string, string>();
const savedEnv = { url: process.env.ARDESK_SMTP_URL, from: process.env.ARDESK_MAIL_FROM };
const levelsFile = JSON.parse(await readFile(new URL('../../examples/dunning/levels.json', import.meta.url), 'utf8')) as DunningLevelsJson;

interface TotalJson {
  currency: string;
  total: string;
}
interface RunJson {
  runId: string;
  status: string;
  approvableByYou: boolean;
  letters: { letterId: string; customerNumber: string; status: string; totals: TotalJson[] }[];
  totals: TotalJson[];
}

beforeAll(async () => {
  db = await openTestDb();
  smtp = await startLocalSmtp();
  process.env.ARDESK_SMTP_URL = smtp.url;
  process.env.ARDESK_MAIL_FROM = 'Credit Control <ar@adv.example>';
  const invoice = (customer: string, dueDate: string, amount: bigint) => ({
    customerNumber: customer,
    kind: 'invoice' as const,
    documentNumber: `INV-${customer}`,
    erpKey: `INV-${customer}`,
    documentDate: '2026-01-05',
    postingDate: '2026-01-05',
    dueDate,
    currency: 'USD',
    amount,
  });
  await applyImport(db, { kind: 'test', file: 'server-adversarial.csv', sha256: 'server-adversarial' }, [
    {
      company: { code: 'SADV', name: 'Adversarial Trading', currency: 'USD' },
      customers: [
        { customerNumber: 'N1', name: 'North One', region: 'NORTH' },
        { customerNumber: 'S1', name: 'South One', region: 'SOUTH' },
      ],
      items: [invoice('N1', '2026-02-01', 10_000n), invoice('S1', '2026-02-01', 990_000n)],
      allocations: [],
      rowCount: 2,
    },
  ]);
  const rows = await db.query<{ customer_number: string; customer_id: bigint }>('select customer_number, customer_id from customer');
  for (const row of rows.rows) customerIds.set(row.customer_number, row.customer_id.toString());
  const company = await getCompany(db, 'SADV');
  await setDunningLevels(db, company.companyId, levelsFile, cliActor());
  await setContact(db, company.companyId, { customerId: BigInt(customerIds.get('S1')!), email: 'ap@south.example' }, cliActor());
  app = await buildApp(db, { logLevel: 'silent', agingEngine: 'sql' });
  collector = bearer((await createTestUser(db, { role: 'collector' })).token);
  manager = bearer((await createTestUser(db, { role: 'credit_manager' })).token);
  auditor = bearer((await createTestUser(db, { role: 'auditor' })).token);
  const northUser = await createTestUser(db, { role: 'collector', regions: ['NORTH'] });
  north = bearer(northUser.token);
  northEmail = northUser.email;
});

afterAll(async () => {
  process.env.ARDESK_SMTP_URL = savedEnv.url;
  process.env.ARDESK_MAIL_FROM = savedEnv.from;
  if (savedEnv.url === undefined) delete process.env.ARDESK_SMTP_URL;
  if (savedEnv.from === undefined) delete process.env.ARDESK_MAIL_FROM;
  await app.close();
  await smtp.close();
  await db.close();
});

async function createRun(asOf: string): Promise<RunJson> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/dunning/runs', headers: collector, payload: { company: 'SADV', asOf } });
  expect(response.statusCode).toBe(201);
  return (response.json() as { run: RunJson }).run;
}

describe('dunning API input', () => {
  it('rejects bad ids and dates with 400', async () => {
    const badId = await app.inject({ method: 'GET', url: '/api/v1/dunning/runs/12abc', headers: manager });
    expect(badId.statusCode).toBe(400);
    expect(badId.body).toMatch(/runId/);
    const badDate = await app.inject({ method: 'GET', url: '/api/v1/dunning/proposal?company=SADV&asOf=2026-02-30', headers: manager });
    expect(badDate.statusCode).toBe(400);
    expect(badDate.body).toMatch(/asOf/);
    const badBody = await app.inject({ method: 'POST', url: '/api/v1/dunning/runs', headers: collector, payload: { company: 'SADV', asOf: '03/01/2026' } });
    expect(badBody.statusCode).toBe(400);
  });

  it('answers 404 for unknown runs, letters and companies', async () => {
    const run = await app.inject({ method: 'GET', url: '/api/v1/dunning/runs/999999999', headers: manager });
    expect(run.statusCode).toBe(404);
    expect(run.body).toMatch(/999999999/);
    const letter = await app.inject({ method: 'GET', url: '/api/v1/dunning/letters/999999999/pdf', headers: manager });
    expect(letter.statusCode).toBe(404);
    const approve = await app.inject({ method: 'POST', url: '/api/v1/dunning/runs/999999999/approve', headers: manager });
    expect(approve.statusCode).toBe(404);
    const company = await app.inject({ method: 'GET', url: '/api/v1/dunning/runs?company=NOPE', headers: manager });
    expect([403, 404]).toContain(company.statusCode);
  });

  it('answers 403 per role', async () => {
    const levels = await app.inject({ method: 'PUT', url: '/api/v1/dunning/levels', headers: collector, payload: { company: 'SADV', ...levelsFile } });
    expect(levels.statusCode).toBe(403);
    const run = await app.inject({ method: 'POST', url: '/api/v1/dunning/runs', headers: auditor, payload: { company: 'SADV', asOf: '2026-03-01' } });
    expect(run.statusCode).toBe(403);
    const regional = await app.inject({ method: 'POST', url: '/api/v1/dunning/runs', headers: north, payload: { company: 'SADV', asOf: '2026-03-01' } });
    expect(regional.statusCode).toBe(403);
    const worklist = await app.inject({ method: 'GET', url: '/api/v1/worklist?company=SADV&date=2026-03-31', headers: auditor });
    expect(worklist.statusCode).toBe(403);
    const other = await app.inject({ method: 'GET', url: '/api/v1/worklist?company=SADV&date=2026-03-31&collector=someone-else', headers: collector });
    expect(other.statusCode).toBe(403);
  });

  it('rejects a bad worklist page with 400', async () => {
    for (const query of ['limit=0', 'limit=1001', 'offset=-1', 'date=2026-13-01']) {
      const response = await app.inject({ method: 'GET', url: `/api/v1/worklist?company=SADV&${query}`, headers: manager });
      expect(response.statusCode, query).toBe(400);
    }
  });
});

describe('dunning API runs', () => {
  it('keeps four eyes and approves once', async () => {
    const run = await createRun('2026-03-01');
    const own = await app.inject({ method: 'POST', url: `/api/v1/dunning/runs/${run.runId}/approve`, headers: collector });
    expect(own.statusCode).toBe(403);
    const view = await app.inject({ method: 'GET', url: `/api/v1/dunning/runs/${run.runId}`, headers: manager });
    expect((view.json() as { run: RunJson }).run.approvableByYou).toBe(true);
    const first = await app.inject({ method: 'POST', url: `/api/v1/dunning/runs/${run.runId}/approve`, headers: manager });
    expect(first.statusCode).toBe(200);
    const second = await app.inject({ method: 'POST', url: `/api/v1/dunning/runs/${run.runId}/approve`, headers: manager });
    expect(second.statusCode).toBe(200);
    const items = await db.query('select 1 from dunning_item');
    expect(items.rows).toHaveLength(2);
    const drop = await app.inject({
      method: 'POST',
      url: `/api/v1/dunning/runs/${run.runId}/letters/${run.letters[0]!.letterId}/drop`,
      headers: collector,
      payload: { reason: 'too late' },
    });
    expect(drop.statusCode).toBe(400);
    expect(drop.body).toMatch(/before approval/);
  });

  it('shows a regional user totals of their letters only', async () => {
    // Before the approved run of 2026-03-01, so the interval rule leaves both letters in.
    const run = await createRun('2026-02-20');
    const response = await app.inject({ method: 'GET', url: `/api/v1/dunning/runs/${run.runId}`, headers: north });
    expect(response.statusCode).toBe(200);
    const seen = (response.json() as { run: RunJson }).run;
    expect(seen.letters.map((letter) => letter.customerNumber)).toEqual(['N1']);
    // N1's letter alone: 100.00 USD open plus the 10.00 USD level 1 fee.
    expect(run.letters).toHaveLength(2);
    expect(seen.totals).toEqual([expect.objectContaining({ currency: 'USD', total: '110.00' })]);
  });

  it('refuses sending by a regional collector', async () => {
    // 19 days after the approved run of 2026-03-01, past the 14-day interval.
    const run = await createRun('2026-03-20');
    expect(run.letters).toHaveLength(2);
    const approve = await app.inject({ method: 'POST', url: `/api/v1/dunning/runs/${run.runId}/approve`, headers: manager });
    expect(approve.statusCode).toBe(200);
    const before = smtp.messages.length;
    const response = await app.inject({ method: 'POST', url: `/api/v1/dunning/runs/${run.runId}/send`, headers: north });
    expect(response.statusCode).toBe(403);
    expect(smtp.messages.length).toBe(before);
    const denied = await db.query('select 1 from audit_event where actor_email = $1 and outcome = $2', [northEmail, 'denied']);
    expect(denied.rows.length).toBeGreaterThan(0);
  });

  it('hides another region letter PDF and customer history', async () => {
    const letters = await app.inject({ method: 'GET', url: `/api/v1/customers/${customerIds.get('S1')}/dunning`, headers: north });
    expect(letters.statusCode).toBe(403);
    const history = await app.inject({ method: 'GET', url: `/api/v1/customers/${customerIds.get('S1')}/dunning`, headers: manager });
    const letterId = (history.json() as { letters: { letterId: string }[] }).letters[0]!.letterId;
    const pdf = await app.inject({ method: 'GET', url: `/api/v1/dunning/letters/${letterId}/pdf`, headers: north });
    expect(pdf.statusCode).toBe(403);
    const contacts = await app.inject({ method: 'GET', url: `/api/v1/customers/${customerIds.get('S1')}/contacts`, headers: north });
    expect(contacts.statusCode).toBe(403);
  });
});
