import { recordImportAudit } from '../audit/imports.js';
import { checkCompanyWrite } from '../auth/errors.js';
import type { Actor } from '../auth/types.js';
import type { Db } from '../db/types.js';
import { ensureCompany, type CompanyInput } from './companies.js';
import { ensureCustomers } from './customers.js';
import { insertItems } from './items.js';
import { insertAllocations } from './allocations.js';
import { shouldBulkLoad, withLedgerIndexesDropped } from './bulk-load.js';
import { allocateToInstalments, expandInstalments } from './payment-terms.js';
import type { AllocationInput, CustomerInput, OpenItemInput } from './types.js';

/** Rows of one company from one file, as a parser passes them to the ledger. */
export interface ParsedLedger {
  company: CompanyInput;
  customers: CustomerInput[];
  items: OpenItemInput[];
  allocations: AllocationInput[];
  rowCount: number;
}

export interface ImportSource {
  kind: string;
  file: string;
  sha256: string;
}

export interface ImportResult {
  companyCode: string;
  importId: bigint | null;
  rows: number;
  itemsInserted: number;
  itemsSkipped: number;
  allocationsInserted: number;
  allocationsSkipped: number;
}

export type ImportProgress = (stage: string, done: number, total: number) => void;

/**
 * Writes parsed ledgers in one transaction: all companies, customers,
 * items and allocations of the file, or nothing. Rows already imported are
 * skipped by their source keys, so importing a file twice changes nothing.
 * With an actor, a company outside the actor's scope raises ForbiddenError
 * and each company's import is recorded in the audit trail in the same
 * transaction.
 */
export async function applyImport(
  db: Db,
  source: ImportSource,
  ledgers: readonly ParsedLedger[],
  progress: ImportProgress = () => {},
  actor?: Actor,
): Promise<ImportResult[]> {
  const imported = await db.transaction(async (tx) => {
    const results: ImportResult[] = [];
    for (const ledger of ledgers) {
      const company = await ensureCompany(tx, ledger.company);
      if (actor) checkCompanyWrite(actor, company, 'import');
      const importIdRow = await tx.query<{ id: bigint }>(
        `select nextval('import_id_seq')::bigint as id`,
      );
      const importId = importIdRow.rows[0]!.id;
      progress('customers', 0, ledger.items.length);
      const customerIds = await ensureCustomers(tx, company.companyId, ledger.customers);
      const expandedItems = await expandInstalments(tx, company, ledger.items);
      const expandedAllocations =
        expandedItems === ledger.items
          ? ledger.allocations
          : allocateToInstalments(expandedItems, ledger.allocations);
      const bulk = await shouldBulkLoad(tx, expandedItems.length + expandedAllocations.length);
      const load = async () => {
        progress('items', 0, expandedItems.length);
        const items = await insertItems(
          tx,
          company,
          customerIds,
          expandedItems,
          importId,
          (done) => progress('items', done, expandedItems.length),
          { bulk },
        );
        progress('allocations', 0, expandedAllocations.length);
        const allocations = await insertAllocations(
          tx,
          company.companyId,
          expandedAllocations,
          importId,
          items.insertedStates,
          { bulk },
        );
        if (bulk) progress('indexes', 0, 1);
        return { items, allocations };
      };
      const { items, allocations } = bulk ? await withLedgerIndexesDropped(tx, load) : await load();
      progress('allocations', expandedAllocations.length, expandedAllocations.length);
      const wroteSomething = items.inserted > 0 || allocations.inserted > 0;
      if (wroteSomething) {
        await tx.query(
          `insert into import_batch (company_id, import_id, source_kind,
             source_file, file_sha256, row_count, item_count, allocation_count)
           values ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            company.companyId,
            importId,
            source.kind,
            source.file,
            source.sha256,
            ledger.rowCount,
            items.inserted,
            allocations.inserted,
          ],
        );
      }
      results.push({
        companyCode: company.code,
        importId: wroteSomething ? importId : null,
        rows: ledger.rowCount,
        itemsInserted: items.inserted,
        itemsSkipped: items.skipped,
        allocationsInserted: allocations.inserted,
        allocationsSkipped: allocations.skipped,
      });
      if (actor) await recordImportAudit(tx, actor, source, company.companyId, results[results.length - 1]!);
    }
    return results;
  });
  if (imported.some((result) => result.importId !== null)) {
    // PGlite has no autovacuum, so without fresh statistics the planner
    // keeps estimating an empty ledger and picks nested loops that make
    // as-of reports over the new rows quadratic.
    await db.exec('analyze open_item, allocation, customer');
  }
  return imported;
}
