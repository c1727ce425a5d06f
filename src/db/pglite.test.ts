import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from './pglite.js';

const dir = mkdtempSync(join(tmpdir(), 'ardesk-lock-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded data folder lock', () => {
  it('rejects a folder held by a live process', async () => {
    // The parent of this test process is alive for the whole test.
    writeFileSync(join(dir, 'ardesk.lock'), String(process.ppid));
    await expect(openPglite(dir)).rejects.toThrow(`in use by process ${process.ppid}`);
  });

  it('takes over a lock left by a dead process and frees it on close', async () => {
    writeFileSync(join(dir, 'ardesk.lock'), '999999999');
    const db = await openPglite(dir);
    const result = await db.query<{ one: number }>('select 1 as one');
    expect(result.rows[0]!.one).toBe(1);
    await db.close();
    expect(existsSync(join(dir, 'ardesk.lock'))).toBe(false);
  });
});
