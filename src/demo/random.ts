/**
 * A seeded pseudo-random generator, so that a demo or benchmark ledger is
 * the same on every run with the same seed. It walks a Weyl sequence
 * (adding the 32-bit golden-ratio constant) and mixes each step with the
 * 32-bit MurmurHash3 finaliser. It is fast and well spread, and not
 * meant for anything secret.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  /** Returns an unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Returns a number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** Returns an integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Returns true with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(values: readonly T[]): T {
    if (values.length === 0) throw new RangeError('cannot pick from an empty list');
    return values[Math.floor(this.next() * values.length)] as T;
  }

  /** Picks a value with probability proportional to its weight. */
  pickWeighted<T>(values: readonly { value: T; weight: number }[]): T {
    const total = values.reduce((sum, entry) => sum + entry.weight, 0);
    let point = this.next() * total;
    for (const entry of values) {
      point -= entry.weight;
      if (point < 0) return entry.value;
    }
    return values[values.length - 1]!.value;
  }

  /**
   * Returns a roughly normal number with the given mean and standard
   * deviation: the sum of four uniform draws, rescaled (Irwin-Hall).
   */
  normal(mean: number, deviation: number): number {
    const sum = this.next() + this.next() + this.next() + this.next();
    // Four uniforms have mean 2 and variance 4/12, so the scale is sqrt(3).
    return mean + (sum - 2) * Math.sqrt(3) * deviation;
  }
}
