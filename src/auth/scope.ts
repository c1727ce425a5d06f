import { ForbiddenError } from './errors.js';
import type { Scope } from './types.js';

/**
 * SQL conditions that keep a query inside a scope. `customerAlias` names
 * the customer table in the query; `params` receives the values and the
 * placeholders continue its numbering. Returns `true` when the scope is
 * unrestricted, so the result can always be and-ed into a where clause.
 */
export function scopeCondition(scope: Scope, customerAlias: string, params: unknown[]): string {
  const conditions: string[] = [];
  if (scope.companyIds !== null) {
    params.push(scope.companyIds);
    conditions.push(`${customerAlias}.company_id = any($${params.length}::int[])`);
  }
  if (scope.regions !== null) {
    params.push(scope.regions);
    conditions.push(`${customerAlias}.region = any($${params.length}::text[])`);
  }
  return conditions.length === 0 ? 'true' : conditions.join(' and ');
}

/** Whether a customer of a company and region lies inside the scope. */
export function inScope(scope: Scope, companyId: number, region: string | null): boolean {
  if (scope.companyIds !== null && !scope.companyIds.includes(companyId)) return false;
  if (scope.regions !== null && (region === null || !scope.regions.includes(region))) return false;
  return true;
}

/**
 * Raises ForbiddenError naming `action` unless a company's region lies in
 * the scope. The denied entity is the record when `entity` is given, else
 * the region.
 */
export function checkRegionInScope(
  scope: Scope,
  companyId: number,
  region: string,
  action: string,
  entity?: { kind: string; id: string },
): void {
  if (inScope(scope, companyId, region)) return;
  throw new ForbiddenError(`region ${region} is outside your scope`, {
    action,
    entity: entity?.kind ?? 'region',
    entityId: entity?.id ?? region,
    companyId,
  });
}
