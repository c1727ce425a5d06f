/**
 * Document references in remittance text. Payers shorten and mistype
 * invoice numbers: they drop prefixes (`INV-`), leading zeros and
 * separators, and swap or miss a digit. Both sides are therefore reduced to
 * a digit core (the digits, leading zeros dropped), and a core that is not
 * found is retried with every one-edit variant.
 */

/** Shortest core the matcher looks up across all customers: shorter ones hit too many items by chance. */
export const minGlobalCoreLength = 5;
/** Shortest core looked up within a customer already identified. */
export const minCustomerCoreLength = 3;

/** Digit core of a document number: `INV-000123` → `123`. Empty when it has no digits. */
export function documentCore(documentNumber: string): string {
  return documentNumber.replace(/\D+/g, '').replace(/^0+/, '');
}

/**
 * Returns the candidate document cores in remittance text. Each run of
 * letters, digits and inner separators that contains a digit gives its own
 * core. Where the run has several digit groups, each group gives a core
 * too, so `Inv 2024-0042 / 0043` yields 20240042, 42 and 43.
 */
export function referenceCores(text: string | null, minLength = minCustomerCoreLength): string[] {
  if (!text) return [];
  const cores = new Set<string>();
  for (const token of text.split(/[^\p{L}\p{N}\-./]+/u)) {
    if (!/\d/.test(token)) continue;
    const whole = documentCore(token);
    if (whole.length >= minLength) cores.add(whole);
    const groups = token.match(/\d+/g) ?? [];
    if (groups.length > 1) {
      for (const group of groups) {
        const core = group.replace(/^0+/, '');
        if (core.length >= minLength) cores.add(core);
      }
    }
  }
  return [...cores];
}

/**
 * Returns every digit string one edit away from `core`: one digit changed,
 * dropped, added, or two neighbours swapped. About 20 × length strings.
 */
export function oneEditVariants(core: string): string[] {
  const variants = new Set<string>();
  const digits = '0123456789';
  for (let i = 0; i < core.length; i += 1) {
    variants.add(core.slice(0, i) + core.slice(i + 1));
    for (const digit of digits) {
      if (digit !== core[i]) variants.add(core.slice(0, i) + digit + core.slice(i + 1));
    }
    if (i + 1 < core.length && core[i] !== core[i + 1]) {
      variants.add(core.slice(0, i) + core[i + 1] + core[i] + core.slice(i + 2));
    }
  }
  for (let i = 0; i <= core.length; i += 1) {
    for (const digit of digits) variants.add(core.slice(0, i) + digit + core.slice(i));
  }
  variants.delete(core);
  // A variant with a leading zero is not a core.
  return [...variants].filter((variant) => variant !== '' && !variant.startsWith('0'));
}
