import type { Queryable } from '../db/types.js';
import { createSqlAgingEngine } from './sql-engine.js';
import type { AgingReport, AgingRequest } from './types.js';

export * from './types.js';
export { parseBucketLimits, validateBucketLimits, buildBuckets, unappliedCreditsLabel } from './buckets.js';
export { createSqlAgingEngine } from './sql-engine.js';
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

/** Computes an aging report as of a date with the SQL engine. */
export async function agingReport(db: Queryable, request: AgingRequest): Promise<AgingReport> {
  return createSqlAgingEngine(db).report(request);
}
