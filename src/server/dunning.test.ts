import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { customerIdsByNumber, testInvoice } from '../../test/helpers/ledger.js';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { cliActor } from '../auth/actor.js';
import { setContact } from '../collections/contacts.js';
import { applyImport, getCompany } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let smtp: LocalSmtp;
let collector: Record<string, string>;
let manager: Record<string, string>;
let auditor: Record<string, string>;
let west: Record<string, string>;
const customerIds = new Map<string, string>();
const savedEnv = { url: process.env.ARDESK_SMTP_URL, from: process.env.ARDESK_MAIL_FROM };

beforeAll(async () => {
  db = await openTestDb();
  smtp = await startLocalSmtp();
  process.env.ARDESK_SMTP_URL = smtp.url;
  process.env.ARDESK_MAIL_FROM = 'Credit Control <ar@gulf.example>';
  const invoice = (customer: string, dueDate: string, amount: bigint) => testInvoice(customer, dueDate, amount, 'USD');
  await applyImport(db, { kind: 'test', file: 'server-dunning.csv', sha256: 'server-dunning' }, [
    {
      company: { code: 'SDN', name: 'Gulf Trading', currency: 'USD' },
      customers: [
        { customerNumber: 'E1', name: 'East One', region: 'EAST' },
        { customerNumber: 'W1', name: 'West One', region: 'WEST' },
      ],
      items: [invoice('E1', '2026-02-01', 120_050n), invoice('W1', '2026-02-20', 7_500n)],
      allocations: [],
      rowCount: 2,
    },
  ]);
  for (const [customerNumber, customerId] of await customerIdsByNumber(db)) customerIds.set(customerNumber, customerId);
  const company = await getCompany(db, 'SDN');
  await setContact(db, company.companyId, { customerId: BigInt(customerIds.get('E1')!), email: 'ap@east.example' }, cliActor());
  app = await buildApp(db, { logLevel: 'silent', agingEngine: 'sql' });
  collector = bearer((await createTestUser(db, { role: 'collector' })).token);
  manager = bearer((await createTestUser(db, { role: 'credit_manager' })).token);
  auditor = bearer((await createTestUser(db, { role: 'auditor' })).token);
  west = bearer((await createTestUser(db, { role: 'collector', regions: ['WEST'] })).token);
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

async function call(method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: unknown) {
  const response = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  return { status: response.statusCode, body: String(response.headers['content-type']).includes('json') ? response.json() : null, raw: response.rawPayload, headers: response.headers };
}

interface RunJson {
  runId: string;
  status: string;
  approvableByYou: boolean;
  letters: { letterId: string; customerNumber: string; status: string; level: number; fee: string | null; totals: { total: string }[] }[];
}

describe('dunning routes', () => {
  let runId = '';

  it('sets levels only with dunning.approve', async () => {
    const levels = JSON.parse(await readFile(new URL('../../examples/dunning/levels.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect((await call('PUT', '/dunning/levels', collector, levels)).status).toBe(403);
    const saved = await call('PUT', '/dunning/levels', manager, levels);
    expect(saved.status).toBe(200);
    expect(saved.body.levels[0].fees.USD).toBe('10.00');
    const bad = await call('PUT', '/dunning/levels', manager, { levels: [{ level: 1, minDaysPastDue: 0, texts: {} }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('levels[0].minDaysPastDue');
  });

  it('proposes within the caller scope', async () => {
    const all = await call('GET', '/dunning/proposal?asOf=2026-03-01', collector);
    expect(all.status).toBe(200);
    // E1: 1,200.50 + fee 10.00 = 1,210.50; W1: 75.00 + 10.00 = 85.00.
    expect(all.body.letters.map((letter: { customerNumber: string; totals: { total: string }[] }) => [letter.customerNumber, letter.totals[0]!.total])).toEqual([
      ['E1', '1210.50'],
      ['W1', '85.00'],
    ]);
    const regional = await call('GET', '/dunning/proposal?asOf=2026-03-01', west);
    expect(regional.body.letters.map((letter: { customerNumber: string }) => letter.customerNumber)).toEqual(['W1']);
  });

  it('creates a run that only another person approves', async () => {
    const created = await call('POST', '/dunning/runs', manager, { asOf: '2026-03-01' });
    expect(created.status).toBe(201);
    const run = created.body.run as RunJson;
    runId = run.runId;
    expect(run.status).toBe('proposed');
    expect(run.approvableByYou).toBe(false);
    expect((await call('POST', `/dunning/runs/${runId}/approve`, manager)).status).toBe(403);
    expect((await call('POST', `/dunning/runs/${runId}/approve`, collector)).status).toBe(403);
    expect((await call('POST', '/dunning/runs', auditor, { asOf: '2026-03-01' })).status).toBe(403);
    expect((await call('POST', '/dunning/runs', west, { asOf: '2026-03-01' })).status).toBe(403);

    const w1 = run.letters.find((letter) => letter.customerNumber === 'W1')!;
    const dropped = await call('POST', `/dunning/runs/${runId}/letters/${w1.letterId}/drop`, collector, { reason: 'paid by check today' });
    expect(dropped.status).toBe(200);
    expect((dropped.body.run as RunJson).letters.find((letter) => letter.customerNumber === 'W1')!.status).toBe('dropped');
  });

  it('approves, sends through the configured server and keeps the history', async () => {
    const other = bearer((await createTestUser(db, { role: 'finance' })).token);
    const shown = await call('GET', `/dunning/runs/${runId}`, other);
    expect((shown.body.run as RunJson).approvableByYou).toBe(true);
    const approved = await call('POST', `/dunning/runs/${runId}/approve`, other);
    expect(approved.status).toBe(200);
    expect((approved.body.run as RunJson).status).toBe('approved');

    const sent = await call('POST', `/dunning/runs/${runId}/send`, collector);
    expect(sent.status).toBe(200);
    expect(sent.body.sent).toBe(1);
    expect(smtp.messages.map((message) => message.envelopeTo[0])).toEqual(['ap@east.example']);

    const letterId = (approved.body.run as RunJson).letters.find((letter) => letter.customerNumber === 'E1')!.letterId;
    const pdf = await call('GET', `/dunning/letters/${letterId}/pdf`, collector);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-disposition']).toContain('dunning-SDN-E1-2026-03-01-L1.pdf');
    const parser = new PDFParse({ data: new Uint8Array(pdf.raw) });
    const text = (await parser.getText()).text;
    await parser.destroy();
    expect(text).toContain('East One');
    expect(text).toContain('1,210.50');
    // A regional user sees no letter of another region.
    expect((await call('GET', `/dunning/letters/${letterId}/pdf`, west)).status).toBe(403);

    const history = await call('GET', `/customers/${customerIds.get('E1')}/dunning`, collector);
    expect(history.status).toBe(200);
    expect(history.body.letters.map((letter: { status: string; toAddress: string }) => [letter.status, letter.toAddress])).toEqual([['sent', 'ap@east.example']]);
    const runs = await call('GET', '/dunning/runs', collector);
    expect(runs.body.runs[0]).toMatchObject({ runId, status: 'approved', letters: 2, dropped: 1, sent: 1 });
  });
});
