/**
 * Which of a customer's open items add up to a payment. Payers settle
 * several invoices at once without naming them; the usual case is all
 * items due up to some date, so prefixes of the items in due-date order
 * are tried first, then a bounded search over small subsets.
 */

export interface SubsetSearchLimits {
  /** Items considered, the oldest first. */
  maxItems: number;
  /** Items in one subset. */
  maxSize: number;
  /** Search steps before giving up. */
  maxSteps: number;
}

export const defaultSubsetLimits: SubsetSearchLimits = { maxItems: 24, maxSize: 5, maxSteps: 50_000 };

export type SubsetResult =
  | { kind: 'found'; indices: number[]; prefix: boolean }
  /** Two or more different subsets add up to the target. */
  | { kind: 'ambiguous' }
  | { kind: 'none' };

/**
 * Finds the indices of `amounts` (positive, in due-date order) that add
 * up to `target` exactly. A prefix (the oldest items) wins outright. Any
 * other subset must be the only one of its size or smaller that the
 * bounded search finds; otherwise the result is ambiguous.
 */
export function findSubsetSum(
  amounts: readonly bigint[],
  target: bigint,
  limits: SubsetSearchLimits = defaultSubsetLimits,
): SubsetResult {
  let running = 0n;
  for (let i = 0; i < amounts.length; i += 1) {
    running += amounts[i]!;
    if (running === target) return { kind: 'found', indices: Array.from({ length: i + 1 }, (_, k) => k), prefix: true };
    if (running > target) break;
  }
  const count = Math.min(amounts.length, limits.maxItems);
  // Suffix sums bound the search: a branch whose remaining items cannot reach the target stops.
  const suffix: bigint[] = new Array<bigint>(count + 1).fill(0n);
  for (let i = count - 1; i >= 0; i -= 1) suffix[i] = suffix[i + 1]! + amounts[i]!;
  const found: number[][] = [];
  let steps = 0;
  const chosen: number[] = [];
  const search = (start: number, remaining: bigint): boolean => {
    if (remaining === 0n) {
      found.push([...chosen]);
      return found.length > 1;
    }
    if (chosen.length >= limits.maxSize) return false;
    for (let i = start; i < count; i += 1) {
      steps += 1;
      if (steps > limits.maxSteps) return true;
      if (suffix[i]! < remaining) return false;
      const amount = amounts[i]!;
      if (amount > remaining) continue;
      chosen.push(i);
      const stop = search(i + 1, remaining - amount);
      chosen.pop();
      if (stop) return true;
    }
    return false;
  };
  search(0, target);
  if (found.length === 1 && steps <= limits.maxSteps) return { kind: 'found', indices: found[0]!, prefix: false };
  if (found.length > 1 || steps > limits.maxSteps) return found.length > 0 ? { kind: 'ambiguous' } : { kind: 'none' };
  return { kind: 'none' };
}
