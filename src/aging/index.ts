import type { Queryable } from '../db/types.js';
import { createSqlAgingEngine } from './sql-engine.js';
import type { AgingEngine, AgingReport, AgingRequest } from './types.js';

export * from './types.js';
export { parseBucketLimits, validateBucketLimits, buildBuckets, unappliedCreditsLabel } from './buckets.js';
export { createSqlAgingEngine } from './sql-engine.js';
export { createColumnarAgingEngine, type ColumnarAgingEngine } from './columnar-engine.js';
export { agingItems, maxItemsPageSize, type AgingItemsRequest } from './items.js';
export { agingReportToJson, type AgingJson, type AgingJsonTotal } from './json.js';
export {
  takeSnapshot,
  listSnapshots,
  snapshotAging,
  unappliedSnapshotBucket,
  type SnapshotInfo,
  type SnapshotKey,
} from './snapshots.js';

const engines = new WeakMap<Queryable, AgingEngine>();

/**
 * Makes every agingReport call on `db` go through `engine`. A long-running
 * process (the server) sets a columnar engine here once, so that its
 * arrays serve every report; elsewhere reports run in SQL.
 */
export function setAgingEngine(db: Queryable, engine: AgingEngine | null): void {
  if (engine) engines.set(db, engine);
  else engines.delete(db);
}

/** Returns the engine set for `db`, if any. */
export function agingEngineOf(db: Queryable): AgingEngine | undefined {
  return engines.get(db);
}

/** Computes an aging report as of a date, with the engine set for `db` or else in SQL. */
export async function agingReport(db: Queryable, request: AgingRequest): Promise<AgingReport> {
  return (engines.get(db) ?? createSqlAgingEngine(db)).report(request);
}
