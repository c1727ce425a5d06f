import { InputError } from '../shared/errors.js';
import type { AgingBasis, AgingBucket } from './types.js';

/** Upper bound on the number of limits, which keeps reports readable. */
export const maxBucketLimits = 24;
/** Limits are days; 100 years either way covers every real ledger. */
const maxLimitDays = 36_500;

export const unappliedCreditsLabel = 'Unapplied credits';

/**
 * Checks bucket limits: whole days, strictly ascending, at least one and
 * at most `maxBucketLimits`. Raises InputError naming the bad value.
 */
export function validateBucketLimits(limits: readonly number[]): readonly number[] {
  const field = 'bucketLimits';
  if (limits.length === 0) {
    throw new InputError('bucket limits are missing: give at least one day limit, such as 0,30,60,90', 'invalid_buckets', field);
  }
  if (limits.length > maxBucketLimits) {
    throw new InputError(
      `too many bucket limits (${limits.length}): at most ${maxBucketLimits} are allowed`,
      'invalid_buckets',
      field,
    );
  }
  limits.forEach((limit, index) => {
    if (!Number.isInteger(limit) || Math.abs(limit) > maxLimitDays) {
      throw new InputError(
        `invalid bucket limit "${limit}": use whole days between -${maxLimitDays} and ${maxLimitDays}`,
        'invalid_buckets',
        field,
      );
    }
    const previous = limits[index - 1];
    if (previous !== undefined && limit <= previous) {
      throw new InputError(
        `invalid bucket limits: ${limit} follows ${previous}, but limits must be strictly ascending (such as 0,30,60,90)`,
        'invalid_buckets',
        field,
      );
    }
  });
  return limits;
}

/**
 * Parses bucket limits written as comma-separated days, such as
 * `0,30,60,90,120,180,365`. Each limit closes a bucket: the first bucket
 * contains items up to the first limit (0 = not yet due), and a last,
 * open-ended bucket contains items past the last limit.
 */
export function parseBucketLimits(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  if (text.trim() === '') {
    throw new InputError('bucket limits are missing: give days such as 0,30,60,90', 'invalid_buckets', 'bucketLimits');
  }
  const limits = parts.map((part) => {
    if (!/^[+-]?\d{1,6}$/.test(part)) {
      throw new InputError(
        `invalid bucket limit "${part}" in "${text}": use whole days separated by commas, such as 0,30,60,90`,
        'invalid_buckets',
        'bucketLimits',
      );
    }
    return Number(part);
  });
  validateBucketLimits(limits);
  return limits;
}

function rangeLabel(from: number, to: number): string {
  if (from === to) return String(from);
  return from < 0 || to < 0 ? `${from} to ${to}` : `${from}-${to}`;
}

/**
 * Builds the bucket columns for validated limits: one bucket up to each
 * limit, one past the last, and, unless credits are aged, the unapplied
 * credits column last.
 */
export function buildBuckets(
  limits: readonly number[],
  basis: AgingBasis,
  ageCredits: boolean,
): AgingBucket[] {
  const first = limits[0]!;
  const last = limits[limits.length - 1]!;
  const buckets: AgingBucket[] = [
    {
      label: first === 0 && basis === 'due' ? 'Not due' : `Up to ${first}`,
      from: null,
      to: first,
    },
  ];
  for (let index = 1; index < limits.length; index++) {
    const from = limits[index - 1]! + 1;
    const to = limits[index]!;
    buckets.push({ label: rangeLabel(from, to), from, to });
  }
  buckets.push({ label: `Over ${last}`, from: last + 1, to: null });
  if (!ageCredits) {
    buckets.push({ label: unappliedCreditsLabel, from: null, to: null });
  }
  return buckets;
}
