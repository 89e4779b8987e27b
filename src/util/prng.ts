// Seeded randomness for the synthetic slides. Two kinds: a sequential PRNG for layout
// decisions, and stateless integer hashes for texture, so that any tile or strip can be painted
// on its own and still give the same pixels.

/** mulberry32: small, fast, good enough for layout sampling. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = (hash2(seed | 0, 0x9e3779b9) ^ 0x6d2b79f5) >>> 0;
  }

  /** uniform in [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }

  /** standard normal (Box–Muller) */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** lowbias32 integer hash (Wellons). */
export function hash1(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hash2(a: number, b: number): number {
  return hash1((hash1(a) ^ Math.imul(b | 0, 0x9e3779b1)) >>> 0);
}

export function hash3(a: number, b: number, c: number): number {
  return hash1((hash2(a, b) ^ Math.imul(c | 0, 0x85ebca77)) >>> 0);
}

/** hash → [0, 1) */
export function unit(h: number): number {
  return (h >>> 0) / 4294967296;
}
