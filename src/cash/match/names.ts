/**
 * Payer names against customer names. Bank statements carry the name the
 * payer's bank has, which differs from the master data in case, legal
 * form, word order and spelling, so names are compared as sets of
 * character trigrams after dropping legal forms and punctuation.
 */

const legalForms = new Set([
  'ag', 'as', 'bv', 'co', 'company', 'corp', 'corporation', 'gesellschaft', 'gmbh', 'inc', 'incorporated', 'kg', 'limited', 'mbh',
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

  private readonly sets = new Map<string, Set<number>>();

  /** Returns the customers of a word as a set, made on first use and kept for the run. */
  private wordSet(word: string): Set<number> {
    let set = this.sets.get(word);
    if (!set) {
      set = new Set(this.byWord.get(word) ?? []);
      this.sets.set(word, set);
    }
    return set;
  }

  /**
   * Customers whose names resemble `name`, best first, at or above
   * `minimum` similarity. Only customers sharing the rarest word and as
   * many of the other words as some customer has are compared, or, when no
   * customer has two of the words, those of the rarest words, up to
   * `maxCompared`.
   */
  search(name: string, minimum = 0.5, maxCompared = 200): NameCandidate[] {
    const queryWords = nameWords(name);
    const queryGrams = trigrams(queryWords);
    const words = [...new Set(queryWords)]
      .map((word) => ({ word, list: this.byWord.get(word) ?? [] }))
      .filter((entry) => entry.list.length > 0)
      .sort((a, b) => a.list.length - b.list.length);
    const compared = new Set<number>();
    // Common words ("steel", "trading") reach thousands of customers, so
    // the rarest word's customers are narrowed by the other words while
    // any remain.
    let shared = words[0]?.list ?? [];
    for (const { word } of words.slice(1)) {
      const other = this.wordSet(word);
      const narrowed = shared.filter((position) => other.has(position));
      if (narrowed.length === 0) break;
      shared = narrowed;
    }
    for (const position of shared.slice(0, maxCompared)) compared.add(position);
    // Customers sharing two or more words are enough. A name whose words
    // meet in no customer (a typing error in the name) falls back to the
    // rarest words' customers.
    const narrowed = words.length > 1 && shared !== words[0]!.list;
    for (const { list } of narrowed ? [] : words) {
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
