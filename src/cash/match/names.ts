/**
 * Payer names against customer names. Bank statements carry the name the
 * payer's bank has, which differs from the master data in case, legal
 * form, word order and spelling, so names are compared as sets of
 * character trigrams after dropping legal forms and punctuation.
 */

const legalForms = new Set([
  'ag', 'as', 'bv', 'co', 'company', 'corp', 'corporation', 'gmbh', 'inc', 'incorporated', 'kg', 'limited',
  'llc', 'llp', 'ltd', 'nv', 'oy', 'plc', 'pty', 'sa', 'sarl', 'sas', 'spa', 'srl', 'the', 'wll', 'and',
]);

/** Lower-case words of a name without accents, punctuation and legal forms. */
export function nameWords(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '' && !legalForms.has(word));
}

function trigrams(words: readonly string[]): Set<string> {
  const grams = new Set<string>();
  for (const word of words) {
    const padded = `  ${word} `;
    for (let i = 0; i + 3 <= padded.length; i += 1) grams.add(padded.slice(i, i + 3));
  }
  return grams;
}

/** Dice coefficient of two names' trigram sets, from 0 (nothing shared) to 1 (same words). */
export function nameSimilarity(a: string, b: string): number {
  return diceOf(trigrams(nameWords(a)), trigrams(nameWords(b)));
}

function diceOf(left: ReadonlySet<string>, right: ReadonlySet<string>): number {
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  for (const gram of left) if (right.has(gram)) shared += 1;
  return (2 * shared) / (left.size + right.size);
}

export interface NamedCustomer {
  customerId: bigint;
  name: string;
}

export interface NameCandidate {
  customerId: bigint;
  similarity: number;
}

/**
 * An index of customer names by word, so that a payer name is compared
 * only with customers sharing one of its rarer words.
 */
export class CustomerNameIndex {
  private readonly byWord = new Map<string, number[]>();
  private readonly customers: NamedCustomer[] = [];
  /** Trigrams of each customer's name, made once: a run compares each name many times. */
  private readonly grams: Set<string>[] = [];

  constructor(customers: Iterable<NamedCustomer>) {
    for (const customer of customers) {
      const position = this.customers.push(customer) - 1;
      const words = nameWords(customer.name);
      this.grams.push(trigrams(words));
      for (const word of new Set(words)) {
        if (word.length < 2) continue;
        const list = this.byWord.get(word);
        if (list) list.push(position);
        else this.byWord.set(word, [position]);
      }
    }
  }

  /**
   * Customers whose names resemble `name`, best first, at or above
   * `minimum` similarity. Only the `maxCompared` customers reached through
   * the payer name's rarest words are compared.
   */
  search(name: string, minimum = 0.5, maxCompared = 200): NameCandidate[] {
    const queryWords = nameWords(name);
    const queryGrams = trigrams(queryWords);
    const words = [...new Set(queryWords)]
      .map((word) => ({ word, list: this.byWord.get(word) ?? [] }))
      .filter((entry) => entry.list.length > 0)
      .sort((a, b) => a.list.length - b.list.length);
    const compared = new Set<number>();
    for (const { list } of words) {
      for (const position of list) {
        if (compared.size >= maxCompared) break;
        compared.add(position);
      }
    }
    const candidates: NameCandidate[] = [];
    for (const position of compared) {
      const customer = this.customers[position]!;
      const similarity = diceOf(queryGrams, this.grams[position]!);
      if (similarity >= minimum) candidates.push({ customerId: customer.customerId, similarity });
    }
    return candidates.sort((a, b) => b.similarity - a.similarity);
  }
}
