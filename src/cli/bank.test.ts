import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliHarness } from '../../test/helpers/cli.js';
import { applyImport, getCompany, itemOpenAmount } from '../ledger/index.js';

/** An invoice of 300.00 in three instalments, and one of 80.00. */
const cli = useCliHarness('bank', (db) =>
  applyImport(db, { kind: 'test', file: 'bank-cli.csv', sha256: 'bank-cli' }, [
    {
      company: { code: 'BCL', currency: 'EUR' },
      customers: [{ customerNumber: 'D100', name: 'Delft Installaties BV', region: 'West' }],
      items: [
        ...[1, 2, 3].map((instalment) => ({
          customerNumber: 'D100',
          kind: 'invoice' as const,
          documentNumber: '2026-0042',
          erpKey: `2026-0042-${instalment}`,
          instalment,
          documentDate: '2026-01-10',
          postingDate: '2026-01-10',
          dueDate: `2026-0${1 + instalment}-10`,
          currency: 'EUR',
          amount: 100_00n,
        })),
        {
          customerNumber: 'D100',
          kind: 'invoice' as const,
          documentNumber: '2026-0077',
          erpKey: '2026-0077',
          documentDate: '2026-02-01',
          postingDate: '2026-02-01',
          dueDate: '2026-03-03',
          currency: 'EUR',
          amount: 80_00n,
        },
      ],
      allocations: [],
      rowCount: 4,
    },
  ]),
);

/** Two credits: one names invoice 2026-0077 with its amount, one names nothing. */
const statement = [
  ':20:CLI-1',
  ':25:NL44RABO0123456789',
  ':28C:1/1',
  ':60F:C260310EUR0,00',
  ':61:2603110311C80,00NTRFNONREF//R1',
  ':86:/NAME/DELFT INSTALLATIES/REMI/Factuur 2026-0077',
  ':61:2603110311C150,00NTRFNONREF//R2',
  ':86:/NAME/ONBEKEND/REMI/Betaling',
  ':62F:C260311EUR230,00',
  '-',
].join('\n');

describe('ardesk import bank and bank commands', () => {
  it('prints a dry run as JSON', async () => {
    const file = join(cli.folder(), 'stmt.940');
    await writeFile(file, statement);
    const run = await cli.ardesk('import', 'bank', file, '--dry-run', '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as { account: string; closingBalance: string; entries: { amount: string; remittance: string }[] }[];
    expect(parsed[0]!.account).toBe('NL44RABO0123456789');
    expect(parsed[0]!.closingBalance).toBe('230.00');
    expect(parsed[0]!.entries.map((entry) => entry.amount)).toEqual(['80.00', '150.00']);
  });

  it('rejects an unregistered account with what to do', async () => {
    const run = await cli.ardesk('import', 'bank', join(cli.folder(), 'stmt.940'));
    expect(run.code).toBe(1);
    expect(run.stderr, run.stderr).toContain('stmt.940, line 1, column "account"');
    expect(run.stderr).toContain('ardesk bank account add');
  });

  it('imports, posts the sure credit and lists the other', async () => {
    const added = await cli.ardesk('bank', 'account', 'add', '--company', 'BCL', '--bank', 'Rabobank', '--account', 'NL44 RABO 0123 4567 89', '--currency', 'EUR');
    expect(added.code, added.stderr).toBe(0);
    const run = await cli.ardesk('import', 'bank', join(cli.folder(), 'stmt.940'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('1 statements with 2 entries stored');
    expect(run.stdout).toContain('of 2 new credits, 1 posted to items');
    const again = await cli.ardesk('import', 'bank', join(cli.folder(), 'stmt.940'));
    expect(again.stdout).toContain('0 statements with 0 entries stored, 1 skipped');

    const queue = await cli.ardesk('bank', 'review', '--company', 'BCL', '--status', 'review', '--format', 'json');
    const review = JSON.parse(queue.stdout) as { entries: { entryId: string; amount: string; remittance: string }[] };
    const suspense = JSON.parse((await cli.ardesk('bank', 'review', '--company', 'BCL', '--status', 'suspense', '--format', 'json')).stdout) as typeof review;
    const waiting = [...review.entries, ...suspense.entries];
    expect(waiting.map((entry) => entry.amount)).toEqual(['150.00']);
  });

  it('confirms a credit over an invoice on instalments', async () => {
    const queue = await cli.ardesk('bank', 'review', '--company', 'BCL', '--status', 'suspense', '--format', 'json');
    const review = await cli.ardesk('bank', 'review', '--company', 'BCL', '--status', 'review', '--format', 'json');
    const entry = [...(JSON.parse(queue.stdout).entries as { entryId: string }[]), ...(JSON.parse(review.stdout).entries as { entryId: string }[])][0]!;
    const confirmed = await cli.ardesk('bank', 'confirm', entry.entryId, '--company', 'BCL', '--customer', 'D100', '--line', '2026-0042=150.00');
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toContain('posted');
    await cli.withChildDb(async (db) => {
      const company = await getCompany(db, 'BCL');
      const ids = await db.query<{ item_id: bigint; erp_key: string }>("select item_id, erp_key from open_item where erp_key like '2026-0042-%' order by erp_key");
      const open = await Promise.all(ids.rows.map((row) => itemOpenAmount(db, company.companyId, row.item_id, '2026-03-31')));
      // The first instalment in full, the second half.
      expect(open).toEqual([0n, 50_00n, 100_00n]);
    });
    const twice = await cli.ardesk('bank', 'confirm', entry.entryId, '--company', 'BCL');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('only entries in review or suspense');
  });

  it('changes and shows the settings', async () => {
    const changed = await cli.ardesk('bank', 'settings', '--company', 'BCL', '--threshold', '0.95');
    expect(changed.stdout).toContain('post from confidence 0.95');
    const invalid = await cli.ardesk('bank', 'settings', '--company', 'BCL', '--threshold', '1.5');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('invalid --threshold "1.5"');
  });
});
