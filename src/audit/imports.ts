import type { Actor } from '../auth/types.js';
import type { Queryable } from '../db/types.js';
import type { ImportResult, ImportSource } from '../ledger/imports.js';
import { recordAudit } from './audit.js';

/** Records what an import wrote into one company, in the import's transaction. */
export async function recordImportAudit(
  tx: Queryable,
  actor: Actor,
  source: ImportSource,
  companyId: number,
  result: ImportResult,
): Promise<void> {
  await recordAudit(tx, {
    actor,
    action: 'import',
    entity: 'import_batch',
    entityId: result.importId === null ? null : result.importId.toString(),
    companyId,
    after: {
      kind: source.kind,
      file: source.file,
      sha256: source.sha256,
      company: result.companyCode,
      rows: result.rows,
      itemsInserted: result.itemsInserted,
      itemsSkipped: result.itemsSkipped,
      allocationsInserted: result.allocationsInserted,
      allocationsSkipped: result.allocationsSkipped,
    },
  });
}
