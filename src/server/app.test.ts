import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import {
  fixtureLedgers,
  kuwaitCustomerCount,
  kuwaitCustomerNumber,
  loadFixture,
} from '../../test/server/fixture.js';
import type { Db } from '../db/types.js';
import { kpiReport, kpiReportToJson } from '../kpi/index.js';
import { apiPrefix, buildApp, registerApi } from './app.js';
import { serializeJson } from './json.js';

let db: TestDb;
let app: FastifyInstance;
let auth: Record<string, string>;

beforeAll(async () => {
  db = await openTestDb();
  await loadFixture(db);
  app = await buildApp(db, { logLevel: 'silent' });
  auth = bearer((await createTestUser(db, { role: 'admin' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

async function get(url: string) {
  const response = await app.inject({ method: 'GET', url, headers: auth });
  return { status: response.statusCode, body: response.json() };
}

describe('health and companies', () => {
  it('health reports the engine', async () => {
    const { status, body } = await get('/api/v1/health');
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', engine: testEngine });
  });

  it('companies lists both fixtures', async () => {
    const { status, body } = await get('/api/v1/companies');
    expect(status).toBe(200);
    const expected = fixtureLedgers().map((ledger) => ledger.company.code).sort();
    expect(body.companies.map((company: { code: string }) => company.code)).toEqual(expected);
    const kuwait = body.companies.find((company: { code: string }) => company.code === 'KW01');
    expect(kuwait).toMatchObject({ currency: 'KWD', currencyExponent: 3, name: 'Gulf Trading KSC' });
    expect(Object.keys(kuwait).sort()).toEqual(['code', 'currency', 'currencyExponent', 'name', 'weekendDays']);
  });
});

describe('customers paging', () => {
  const allNumbers = Array.from({ length: kuwaitCustomerCount }, (_, index) =>
    kuwaitCustomerNumber(index + 1),
  );

  it('pages through every customer once', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < kuwaitCustomerCount; offset += 10) {
      const { status, body } = await get(`/api/v1/customers?company=KW01&limit=10&offset=${offset}`);
      expect(status).toBe(200);
      expect(body.total).toBe(kuwaitCustomerCount);
      expect(body.limit).toBe(10);
      expect(body.offset).toBe(offset);
      expect(body.customers.length).toBe(Math.min(10, kuwaitCustomerCount - offset));
      seen.push(...body.customers.map((customer: { customerNumber: string }) => customer.customerNumber));
    }
    expect(seen).toEqual(allNumbers);
  });

  it('returns ids as text', async () => {
    const { body } = await get('/api/v1/customers?company=KW01&limit=1');
    expect(typeof body.customers[0].customerId).toBe('string');
    expect(body.customers[0].customerId).toMatch(/^\d+$/);
  });

  it('filters by search text', async () => {
    const { status, body } = await get('/api/v1/customers?company=KW01&search=falcon');
    expect(status).toBe(200);
    const expected = allNumbers.filter((_, index) => (index + 1) % 5 === 0);
    expect(body.total).toBe(expected.length);
    expect(body.customers.map((customer: { customerNumber: string }) => customer.customerNumber)).toEqual(
      expected,
    );
  });

  it('requires company when several exist', async () => {
    const { status, body } = await get('/api/v1/customers');
    expect(status).toBe(400);
    expect(body.error.field).toBe('company');
    expect(body.error.message).toContain('KW01');
  });

  it('unknown company is 404', async () => {
    const { status, body } = await get('/api/v1/customers?company=ZZ99');
    expect(status).toBe(404);
    expect(body.error).toEqual({
      code: 'not_found',
      message: expect.stringContaining('ZZ99'),
      field: 'company',
    });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['offset=-1', 'offset'],
    ['limit=2.5', 'limit'],
  ])('rejects %s', async (query, field) => {
    const { status, body } = await get(`/api/v1/customers?company=KW01&${query}`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_parameter');
    expect(body.error.field).toBe(field);
  });
});

describe('kpi route', () => {
  it('equals the report computed directly', async () => {
    const { status, body } = await get('/api/v1/kpi?from=2026-01&to=2026-03&company=KW01,US01&by=country');
    expect(status).toBe(200);
    const direct = kpiReportToJson(
      await kpiReport(db, { companies: ['KW01', 'US01'], from: '2026-01', to: '2026-03', groupBy: 'country' }),
    );
    expect(body).toEqual(JSON.parse(JSON.stringify(direct)));
  });

  it('keeps KWD amounts exact', async () => {
    const { body } = await get('/api/v1/kpi?from=2026-01&to=2026-01&company=KW01');
    const total = body.totals[0];
    // The whole KW01 ledger is posted by 2026-02-01, so closing AR at
    // 2026-01-31 is every January-or-earlier item: the fixture sum.
    const fixture = fixtureLedgers()[0]!;
    const expected = fixture.items
      .filter((item) => item.postingDate <= '2026-01-31')
      .reduce((sum, item) => sum + item.amount, 0n);
    expect(total.currency).toBe('KWD');
    expect(total.closingAr).toBe(`${expected / 1000n}.${String(expected % 1000n).padStart(3, '0')}`);
  });

  it.each([
    ['from=2026-13&to=2026-12', 'from'],
    ['from=2026-01', 'to'],
    ['from=2026-03&to=2026-01', 'to'],
    ['from=2026-01&to=2026-02&by=planet', 'by'],
  ])('rejects %s', async (query, field) => {
    const { status, body } = await get(`/api/v1/kpi?${query}`);
    expect(status).toBe(400);
    expect(body.error.field).toBe(field);
  });

  it('unknown company is 404', async () => {
    const { status, body } = await get('/api/v1/kpi?from=2026-01&to=2026-02&company=KW01,NOPE');
    expect(status).toBe(404);
    expect(body.error.field).toBe('company');
    expect(body.error.message).toContain('NOPE');
  });
});

describe('errors', () => {
  it('unknown route is 404 JSON', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/no-such-thing?x=1', headers: auth });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      error: {
        code: 'route_not_found',
        message: expect.stringContaining('/api/v1/no-such-thing'),
        field: null,
      },
    });
  });

  it('wrong method is 404 JSON', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/api/v1/companies', headers: auth });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('route_not_found');
  });

  it('database failure is a logged 500', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const failing: Db = Object.assign(Object.create(db) as Db, {
      query: async () => {
        throw new Error('connection reset by peer');
      },
    });
    const broken = await buildApp(failing, { logger: pino({ level: 'error' }, sink) });
    try {
      const response = await broken.inject({ method: 'GET', url: '/api/v1/health' });
      expect(response.statusCode).toBe(500);
      const error = response.json().error;
      expect(error.code).toBe('internal_error');
      expect(error.message).not.toContain('connection reset');
      const logged = lines.map((line) => JSON.parse(line) as { err?: { message: string }; reqId?: string });
      // The request's line: the aging engine's load at start logs the same failure without a request id.
      const entry = logged.find((line) => line.err?.message === 'connection reset by peer' && line.reqId !== undefined);
      expect(entry).toBeDefined();
      expect(error.message).toContain(String(entry!.reqId));
    } finally {
      await broken.close();
    }
  });

  it('serializer rejects bigint', () => {
    expect(() => serializeJson({ amount: 5n })).toThrow(/"amount" is a bigint/);
    expect(serializeJson({ amount: '5.000' })).toBe('{"amount":"5.000"}');
  });
});

describe('OpenAPI document', () => {
  it('lists every API route', async () => {
    // A second instance records each route through Fastify's onRoute hook.
    const registered: string[] = [];
    const probe = Fastify({ logger: false });
    probe.addHook('onRoute', (route) => {
      const methods = [route.method].flat().filter((method) => method !== 'HEAD');
      if (!route.url.startsWith(apiPrefix)) return;
      // OpenAPI writes a path parameter :name as {name}.
      for (const method of methods) registered.push(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    });
    await registerApi(probe, db);
    await probe.close();
    expect(registered).toContain('GET /api/v1/health');

    const { status, body } = await get('/api/docs/json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    const documented: string[] = [];
    for (const [path, methods] of Object.entries(body.paths as Record<string, object>)) {
      if (!path.startsWith(apiPrefix)) continue;
      for (const method of Object.keys(methods)) documented.push(`${method.toUpperCase()} ${path}`);
    }
    expect(documented.sort()).toEqual(registered.sort());
    expect(documented).toEqual(
      expect.arrayContaining([
        'GET /api/v1/health',
        'GET /api/v1/companies',
        'GET /api/v1/customers',
        'GET /api/v1/aging',
        'GET /api/v1/aging/items',
        'POST /api/v1/snapshots',
        'GET /api/v1/snapshots',
        'GET /api/v1/kpi',
        'POST /api/v1/imports/ibm-ar',
        'POST /api/v1/imports/csv',
      ]),
    );
  });

  it('describes query parameters', async () => {
    const { body } = await get('/api/docs/json');
    const parameters = body.paths['/api/v1/customers'].get.parameters as { name: string; in: string }[];
    expect(parameters.map((parameter) => parameter.name).sort()).toEqual(
      ['asOf', 'collector', 'company', 'dir', 'limit', 'offset', 'overdueOnly', 'region', 'search', 'segment', 'sort'],
    );
    expect(parameters.every((parameter) => parameter.in === 'query')).toBe(true);
  });

  it('serves Swagger UI', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });
});
