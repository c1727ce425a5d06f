import type { Scope } from '../auth/types.js';
import type { Queryable } from '../db/types.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { isIsoDate } from '../shared/dates.js';
import { listCompanies, type Company } from '../ledger/index.js';
import { validateBucketLimits } from './buckets.js';
import { agingGroupings, type AgingRequest } from './types.js';

/** A request whose every field has been checked, with defaults filled in. */
export interface CheckedRequest extends AgingRequest {
  ageCredits: boolean;
}

/** Checks every field of an aging request; raises InputError on the first bad one. */
export function checkRequest(request: AgingRequest): CheckedRequest {
  if (typeof request.asOf !== 'string' || !isIsoDate(request.asOf)) {
    throw new InputError(
      `invalid as-of date "${String(request.asOf)}": use YYYY-MM-DD`,
      'invalid_date',
      'asOf',
    );
  }
  if (request.basis !== 'due' && request.basis !== 'document') {
    throw new InputError(
      `invalid aging basis "${String(request.basis)}": use due or document`,
      'invalid_basis',
      'basis',
    );
  }
  if (!agingGroupings.includes(request.groupBy)) {
    throw new InputError(
      `invalid grouping "${String(request.groupBy)}": use one of ${agingGroupings.join(', ')}`,
      'invalid_grouping',
      'groupBy',
    );
  }
  if (request.currency !== 'local' && request.currency !== 'transaction') {
    throw new InputError(
      `invalid currency mode "${String(request.currency)}": use local or transaction`,
      'invalid_currency_mode',
      'currency',
    );
  }
  validateBucketLimits(request.bucketLimits);
  return { ...request, ageCredits: request.ageCredits ?? false };
}

/**
 * Returns the companies a request covers: the ones named, in code order,
 * or every company when none is named. An unknown code raises
 * NotFoundError.
 */
export async function resolveCompanies(
  db: Queryable,
  codes: readonly string[] | undefined,
): Promise<Company[]> {
  const all = await listCompanies(db);
  if (!codes || codes.length === 0) return all;
  const byCode = new Map(all.map((company) => [company.code, company]));
  const wanted = [...new Set(codes)].sort();
  return wanted.map((code) => {
    const company = byCode.get(code);
    if (!company) {
      const known = all.map((entry) => entry.code).join(', ') || 'none';
      throw new NotFoundError(`company "${code}" not found (known companies: ${known})`, 'companies');
    }
    return company;
  });
}

/** Keeps the companies inside a scope's companies; all of them when the scope has no company limit. */
export function scopeCompanies(companies: Company[], scope: Scope | undefined): Company[] {
  const allowed = scope?.companyIds;
  if (allowed === null || allowed === undefined) return companies;
  return companies.filter((company) => allowed.includes(company.companyId));
}
