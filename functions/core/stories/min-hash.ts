/**
 * MinHash, in its two classic forms, for story folding (story-fingerprint.ts):
 * - `MinHash` (one hash function per position): the share of positions where two signatures
 *   agree estimates the Jaccard similarity of the two sets, position by position, which is what
 *   locality-sensitive hashing needs: bands of positions become lookup keys.
 * - `bottomKSketch` (one hash function, the k smallest values): what we store and compare. For a
 *   set of at most k elements the sketch is the whole (hashed) set, so the Jaccard similarity of
 *   two small sets is exact rather than estimated; larger sets get the usual estimate, with a
 *   standard error of about √(J(1−J)/k). Our concept sets are small, and a threshold decision
 *   on a noisy estimate would fold or split by chance.
 *
 * Written here rather than taken from npm: the one MinHash package (`minhash`, 0.0.9) is
 * unmaintained and untyped, and what we need is small: a seeded 32-bit string hash (FNV-1a
 * finished with MurmurHash3's avalanche step) and, per position, a bijective remix of that hash
 * with the position's seed. The remix is a random-looking permutation of the 32-bit values, so
 * the minimum over a set is a fair draw from it, which is all MinHash asks.
 *
 * Signatures are persisted. The seed and the hash functions are part of the stored format: change
 * them and stored signatures stop meeting new ones, so `story-fingerprint.ts` versions its keys.
 */

/** The value of every position of an empty set's signature; it never counts as agreement. */
export const EMPTY_SLOT = 0xffff_ffff;

/** MurmurHash3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
function mix32(value: number): number {
  let hash = value >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85eb_ca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2_ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** FNV-1a over UTF-16 code units, seeded, with the finaliser on top. */
export function hashString(text: string, seed = 0): number {
  let hash = (0x811c_9dc5 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x0100_0193);
  }
  return mix32(hash);
}

/** SplitMix32: the per-position seeds, the same on every machine for the same seed. */
function seedsFrom(seed: number, count: number): Uint32Array {
  const seeds = new Uint32Array(count);
  let state = seed >>> 0;
  for (let index = 0; index < count; index++) {
    state = (state + 0x9e37_79b9) >>> 0;
    seeds[index] = mix32(state);
  }
  return seeds;
}

export class MinHash {
  private readonly seeds: Uint32Array;

  constructor(
    /** Positions in a signature: the estimate's standard error is about √(J(1−J)/size). */
    readonly size: number,
    readonly seed: number,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError('size must be a positive integer');
    this.seeds = seedsFrom(seed, size);
  }

  /** The signature of a set of strings; duplicates do not matter. All EMPTY_SLOT when empty. */
  signature(elements: Iterable<string>): number[] {
    const minimums = new Array<number>(this.size).fill(EMPTY_SLOT);
    for (const element of elements) {
      const base = hashString(element, this.seed);
      for (let position = 0; position < this.size; position++) {
        const value = mix32(base ^ (this.seeds[position] ?? 0));
        if (value < (minimums[position] ?? EMPTY_SLOT)) minimums[position] = value;
      }
    }
    return minimums;
  }
}

/**
 * The estimated Jaccard similarity of the sets behind two signatures (or two aligned slices of
 * them): the share of positions that agree. Empty positions never agree, so two empty sets are
 * not similar (0), as a set with nothing in it says nothing about the story.
 */
export function estimateJaccard(
  a: readonly number[],
  b: readonly number[],
  from = 0,
  to = Math.min(a.length, b.length),
): number {
  if (to <= from) return 0;
  let agreeing = 0;
  for (let position = from; position < to; position++) {
    const value = a[position];
    if (value !== undefined && value !== EMPTY_SLOT && value === b[position]) agreeing += 1;
  }
  return agreeing / (to - from);
}

/**
 * The k smallest distinct hash values of a set's elements, ascending, padded to k with
 * EMPTY_SLOT: a bottom-k sketch. Holds the whole hashed set when it has at most k elements.
 */
export function bottomKSketch(elements: Iterable<string>, k: number, seed: number): number[] {
  const hashes = new Set<number>();
  for (const element of elements) hashes.add(hashString(element, seed));
  const smallest = [...hashes].sort((a, b) => a - b).slice(0, k);
  return [...smallest, ...new Array<number>(k - smallest.length).fill(EMPTY_SLOT)];
}

/**
 * The estimated Jaccard similarity of the sets behind two bottom-k sketches (or two aligned
 * slices of longer arrays): among the k smallest values of the union of the two sketches, the
 * share found in both. Exact when both sets fit their sketches. 0 when either sketch is empty.
 */
export function estimateJaccardFromSketches(
  a: readonly number[],
  b: readonly number[],
  from = 0,
  to = Math.min(a.length, b.length),
): number {
  const k = to - from;
  let i = from;
  let j = from;
  let union = 0;
  let shared = 0;
  // Both slices are ascending with EMPTY_SLOT padding last: walk them like a merge.
  while (union < k) {
    const x = i < to ? (a[i] ?? EMPTY_SLOT) : EMPTY_SLOT;
    const y = j < to ? (b[j] ?? EMPTY_SLOT) : EMPTY_SLOT;
    if (x === EMPTY_SLOT && y === EMPTY_SLOT) break;
    union += 1;
    if (x === y) {
      shared += 1;
      i += 1;
      j += 1;
    } else if (x < y) {
      i += 1;
    } else {
      j += 1;
    }
  }
  const emptyA = (a[from] ?? EMPTY_SLOT) === EMPTY_SLOT;
  const emptyB = (b[from] ?? EMPTY_SLOT) === EMPTY_SLOT;
  return union === 0 || emptyA || emptyB ? 0 : shared / union;
}
