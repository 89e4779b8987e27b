// Dataset policy: which synthetic-slide seeds each split may use, so that nothing used in
// development leaks into evaluation (training/train-all.sh, scripts/eval.ts and models/README.md
// follow it).

/** Seed ranges, so that nothing used in development leaks into evaluation. */
export const SEED_RANGES = {
  training: [1000, 1999],
  validation: [2000, 2999],
  /** test seeds are ≥ 3000 and are never used during development */
  testFrom: 3000,
} as const;
