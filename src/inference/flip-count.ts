// How many flipped copies of each patch a model is run on (test-time flip averaging,
// flip-average.ts). Kept apart from the tf code so the page's state can name it without tfjs.

export type FlipCount = 1 | 2 | 4 | 8;

export const FLIP_COUNTS: readonly FlipCount[] = [1, 2, 4, 8];

export function isFlipCount(n: unknown): n is FlipCount {
  return n === 1 || n === 2 || n === 4 || n === 8;
}

/** The flips a run uses: the user's setting, else the card's default, else none. */
export function flipsFor(
  setting: FlipCount | null | undefined,
  card: { flips?: FlipCount } | null,
): FlipCount {
  return setting ?? card?.flips ?? 1;
}
