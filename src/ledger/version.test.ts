import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { applyImport } from './imports.js';
import { ledgerVersion, memoByLedgerVersion } from './version.js';

let db: TestDb;

beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

async function importOne(key: string): Promise<void> {
  await applyImport(db, { kind: 'test', file: key, sha256: key }, [
    {
      company: { code: 'VER1', currency: 'EUR' },
      customers: [{ customerNumber: 'V1', name: 'Versioned' }],
      items: [
        {
          customerNumber: 'V1',
          kind: 'invoice',
          documentNumber: key,
          erpKey: key,
          documentDate: '2026-01-01',
          postingDate: '2026-01-01',
          dueDate: '2026-01-31',
          currency: 'EUR',
          amount: 100n,
        },
      ],
      allocations: [],
      rowCount: 1,
    },
  ]);
}

describe('ledger version memo', () => {
  it('computes once per ledger version and key', async () => {
    let calls = 0;
    const compute = async () => {
      calls += 1;
      return calls;
    };
    const [first, concurrent] = await Promise.all([
      memoByLedgerVersion(db, 'a', compute),
      memoByLedgerVersion(db, 'a', compute),
    ]);
    expect(first).toBe(1);
    expect(concurrent).toBe(1);
    expect(await memoByLedgerVersion(db, 'b', compute)).toBe(2);

    const before = await ledgerVersion(db);
    await importOne('V-1');
    expect(await ledgerVersion(db)).toBeGreaterThan(before);
    expect(await memoByLedgerVersion(db, 'a', compute)).toBe(3);
    expect(await memoByLedgerVersion(db, 'a', compute)).toBe(3);
  });

  it('does not keep a failed computation', async () => {
    await expect(memoByLedgerVersion(db, 'fails', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await memoByLedgerVersion(db, 'fails', async () => 'ok')).toBe('ok');
  });
});
