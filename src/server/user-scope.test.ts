import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser, type TestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { scopeContains } from '../auth/permissions.js';
import { applyImport, type ParsedLedger } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let globalAdmin: TestUser;

function company(code: string): ParsedLedger {
  return {
    company: { code, currency: 'USD' },
    customers: [{ customerNumber: 'C1', name: `${code} customer` }],
    items: [],
    allocations: [],
    rowCount: 0,
  };
}

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'companies', sha256: 'companies' }, [company('AA'), company('BB')]);
  app = await buildApp(db, { logLevel: 'silent' });
  globalAdmin = await createTestUser(db, { role: 'admin' });
});
afterAll(async () => {
  await app.close();
  await db.close();
});

interface ListedUser {
  email: string;
  companies: string[] | null;
  regions: string[] | null;
}

async function listUsers(admin: TestUser): Promise<ListedUser[]> {
  const response = await app.inject({ url: '/api/v1/users', headers: bearer(admin.token) });
  expect(response.statusCode).toBe(200);
  return response.json().users as ListedUser[];
}

function createUser(admin: TestUser, payload: Record<string, unknown>) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: bearer(admin.token),
    payload: { role: 'finance', password: 'another-long-password', ...payload },
  });
}

function setDisabled(admin: TestUser, email: string, path: 'disable' | 'enable') {
  return app.inject({ method: 'POST', url: `/api/v1/users/${encodeURIComponent(email)}/${path}`, headers: bearer(admin.token) });
}

async function userExists(email: string): Promise<boolean> {
  const result = await db.query<{ user_id: number }>('select user_id from app_user where email = $1', [email]);
  return result.rows.length > 0;
}

async function isDisabled(email: string): Promise<boolean> {
  const result = await db.query<{ disabled: boolean }>('select disabled from app_user where email = $1', [email]);
  return result.rows[0]!.disabled;
}

async function lastEvent() {
  const result = await db.query<{ actor_email: string; action: string; entity_id: string | null; outcome: string }>(
    'select actor_email, action, entity_id, outcome from audit_event order by event_id desc limit 1',
  );
  return result.rows[0]!;
}

describe('scopeContains', () => {
  const aa = 1;
  const bb = 2;
  it.each([
    [{ companyIds: null, regions: null }, { companyIds: null, regions: null }, true],
    [{ companyIds: null, regions: null }, { companyIds: [bb], regions: ['WEST'] }, true],
    [{ companyIds: [aa], regions: null }, { companyIds: [aa], regions: null }, true],
    [{ companyIds: [aa], regions: null }, { companyIds: [aa], regions: ['EAST'] }, true],
    [{ companyIds: [aa], regions: null }, { companyIds: null, regions: null }, false],
    [{ companyIds: [aa], regions: null }, { companyIds: [aa, bb], regions: null }, false],
    [{ companyIds: [aa, bb], regions: null }, { companyIds: [bb], regions: null }, true],
    [{ companyIds: [aa], regions: ['EAST'] }, { companyIds: [aa], regions: null }, false],
    [{ companyIds: [aa], regions: ['EAST'] }, { companyIds: [aa], regions: ['EAST', 'WEST'] }, false],
    [{ companyIds: null, regions: ['EAST'] }, { companyIds: [bb], regions: ['EAST'] }, true],
    [{ companyIds: null, regions: ['EAST'] }, { companyIds: null, regions: ['EAST'] }, true],
    [{ companyIds: [aa], regions: null }, { companyIds: [], regions: null }, false],
  ])('manager %j, user %j: %s', (manager, user, expected) => {
    expect(scopeContains(manager, user)).toBe(expected);
  });
});

describe('admin limited to one company', () => {
  let admin: TestUser;
  let aaUser: TestUser;
  let aaEastUser: TestUser;
  let bbUser: TestUser;
  let bothUser: TestUser;
  let everyCompanyUser: TestUser;
  let everyCompanyAdmin: TestUser;

  beforeAll(async () => {
    admin = await createTestUser(db, { role: 'admin', companies: ['AA'] });
    aaUser = await createTestUser(db, { role: 'collector', companies: ['AA'] });
    aaEastUser = await createTestUser(db, { role: 'regional_accountant', companies: ['AA'], regions: ['EAST'] });
    bbUser = await createTestUser(db, { role: 'collector', companies: ['BB'] });
    bothUser = await createTestUser(db, { role: 'collector', companies: ['AA', 'BB'] });
    everyCompanyUser = await createTestUser(db, { role: 'sales' });
    everyCompanyAdmin = await createTestUser(db, { role: 'admin' });
  });

  it('lists only users of its company', async () => {
    const seen = (await listUsers(admin)).map((user) => user.email);
    expect(seen).toContain(admin.email);
    expect(seen).toContain(aaUser.email);
    expect(seen).toContain(aaEastUser.email);
    expect(seen).not.toContain(bbUser.email);
    expect(seen).not.toContain(bothUser.email);
    expect(seen).not.toContain(everyCompanyUser.email);
    expect(seen).not.toContain(globalAdmin.email);
    expect(seen).not.toContain(everyCompanyAdmin.email);

    // The same set, picked from the full list by the companies it shows.
    const everyone = await listUsers(globalAdmin);
    const expected = everyone
      .filter((user) => user.companies !== null && user.companies.every((code) => code === 'AA'))
      .map((user) => user.email);
    expect(seen).toEqual(expected);
    expect(everyone.length).toBeGreaterThan(seen.length);
  });

  it.each([
    ['every company', { email: 'scope-everything@example.test', role: 'admin' }],
    ['another company', { email: 'scope-bb@example.test', companies: ['BB'] }],
    ['its company and another', { email: 'scope-aa-bb@example.test', companies: ['AA', 'BB'] }],
  ])('cannot create a user of %s', async (_case, payload) => {
    const response = await createUser(admin, payload);
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('forbidden');
    expect(await userExists(payload.email)).toBe(false);
    expect(await lastEvent()).toEqual({
      actor_email: admin.email,
      action: 'user.add',
      entity_id: payload.email,
      outcome: 'denied',
    });
  });

  it('creates a user of its company', async () => {
    const response = await createUser(admin, { email: 'scope-aa@example.test', companies: ['AA'], regions: ['WEST'] });
    expect(response.statusCode).toBe(201);
    expect(response.json().user).toMatchObject({ email: 'scope-aa@example.test', companies: ['AA'], regions: ['WEST'] });
  });

  it.each([
    ['every company', () => everyCompanyUser],
    ['an admin of every company', () => everyCompanyAdmin],
    ['another company', () => bbUser],
    ['its company and another', () => bothUser],
  ])('cannot disable or enable a user of %s', async (_case, target) => {
    const { email } = target();
    const disabled = await setDisabled(admin, email, 'disable');
    expect(disabled.statusCode).toBe(403);
    expect(disabled.json().error.code).toBe('forbidden');
    expect(await isDisabled(email)).toBe(false);
    expect(await lastEvent()).toEqual({ actor_email: admin.email, action: 'user.disable', entity_id: email, outcome: 'denied' });

    expect((await setDisabled(globalAdmin, email, 'disable')).statusCode).toBe(200);
    const enabled = await setDisabled(admin, email, 'enable');
    expect(enabled.statusCode).toBe(403);
    expect(await isDisabled(email)).toBe(true);
    expect(await lastEvent()).toEqual({ actor_email: admin.email, action: 'user.enable', entity_id: email, outcome: 'denied' });
    expect((await setDisabled(globalAdmin, email, 'enable')).statusCode).toBe(200);
  });

  it('disables and enables a user of its company', async () => {
    const disabled = await setDisabled(admin, aaEastUser.email, 'disable');
    expect(disabled.statusCode).toBe(200);
    expect(await isDisabled(aaEastUser.email)).toBe(true);
    const enabled = await setDisabled(admin, aaEastUser.email, 'enable');
    expect(enabled.statusCode).toBe(200);
    expect(await isDisabled(aaEastUser.email)).toBe(false);
  });

  it('gets 404 for an unknown user', async () => {
    const response = await setDisabled(admin, 'nobody-here@example.test', 'disable');
    expect(response.statusCode).toBe(404);
  });
});

describe('admin limited to regions', () => {
  it('manages only users limited to its regions', async () => {
    const admin = await createTestUser(db, { role: 'admin', companies: ['AA'], regions: ['EAST'] });
    const noRegion = await createUser(admin, { email: 'region-none@example.test', companies: ['AA'] });
    expect(noRegion.statusCode).toBe(403);
    const west = await createUser(admin, { email: 'region-west@example.test', companies: ['AA'], regions: ['EAST', 'WEST'] });
    expect(west.statusCode).toBe(403);
    const east = await createUser(admin, { email: 'region-east@example.test', companies: ['AA'], regions: ['EAST'] });
    expect(east.statusCode).toBe(201);
    expect(await userExists('region-none@example.test')).toBe(false);
    expect(await userExists('region-west@example.test')).toBe(false);

    const seen = (await listUsers(admin)).map((user) => user.email);
    const expected = (await listUsers(globalAdmin))
      .filter(
        (user) =>
          user.companies !== null &&
          user.companies.every((code) => code === 'AA') &&
          user.regions !== null &&
          user.regions.every((region) => region === 'EAST'),
      )
      .map((user) => user.email);
    expect(seen).toEqual(expected);
    expect(seen).toContain('region-east@example.test');
  });

  it('with every company, allows any company in its regions', async () => {
    const admin = await createTestUser(db, { role: 'admin', regions: ['NORTH'] });
    const bb = await createUser(admin, { email: 'north-bb@example.test', companies: ['BB'], regions: ['NORTH'] });
    expect(bb.statusCode).toBe(201);
    const everyCompany = await createUser(admin, { email: 'north-all@example.test', regions: ['NORTH'] });
    expect(everyCompany.statusCode).toBe(201);
    const everyRegion = await createUser(admin, { email: 'north-none@example.test', companies: ['BB'] });
    expect(everyRegion.statusCode).toBe(403);
  });
});

describe('admin of every company', () => {
  it('lists, creates and disables every user', async () => {
    const everyone = await listUsers(globalAdmin);
    const count = await db.query<{ count: bigint }>('select count(*) as count from app_user');
    expect(everyone.length).toBe(Number(count.rows[0]!.count));

    const created = await createUser(globalAdmin, { email: 'global-made@example.test', role: 'admin' });
    expect(created.statusCode).toBe(201);
    expect(created.json().user.companies).toBeNull();
    const bbUser = await createTestUser(db, { role: 'collector', companies: ['BB'] });
    expect((await setDisabled(globalAdmin, bbUser.email, 'disable')).statusCode).toBe(200);
    expect(await isDisabled(bbUser.email)).toBe(true);
  });
});
