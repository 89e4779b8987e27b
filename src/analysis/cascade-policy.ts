// The coarse-to-fine cascade's decision, pure: a cheap screen (the 4 µm/px U-Net) has run over a
// region; an expensive model's patch is skipped when the screen is sure over the patch's kept area
// (every screen pixel there, grown by a halo, below `low` or above `high`), and its cells are then
// filled from the screen. Anything else (a pixel in the band, or one the screen did not analyse) is
// refined by the expensive model. Thresholds are measured (README "Cascade"; scripts/eval.ts --cascade).
//
// Usage:
//   const v = screenVerdict(screenStore, patch.keepOnSlide, DEFAULT_CASCADE_POLICY); // 'negative' | 'positive' | 'uncertain'
//   if (v !== 'uncertain') fineStore.putPatch(patch, screenFill(screenStore, patch, targetSize), 0);
//   const id = cascadeScreenFor(card, cards);  // the screen model's id, or null when none fits
//   previewScreenFor(unetCard, cards);         // 'unet-context': its coarse map first, no skipping
//
// Nothing here depends on the tile size: only the patch's keepOnSlide/keep rects are read.

import type { PlannedPatch, Rect } from '../geometry/patch-geometry';
import type { ModelCard } from '../inference/model-card';

export interface CascadePolicy {
  /** a patch is sure-negative when every screen probability over it is below this */
  low: number;
  /** … sure-positive when every one is above this */
  high: number;
  /** µm added on each side of the kept area before looking (catches contours just outside) */
  haloUm: number;
}

/**
 * Tuned on validation seeds 3300–3305 (scripts/eval.ts --cascade-sweep over low 0.05–0.4, high
 * 0.8–1, halo 0/8/24 µm): the policy that skips the most MRN patches while costing at most 0.001
 * pooled IoU there (−0.0005, 90.8 % skipped). Without the halo every low costs 0.002–0.023 (edges
 * just outside the kept area). Reported on test seeds 3200–3205: README "Coarse-to-fine cascade".
 */
export const DEFAULT_CASCADE_POLICY: CascadePolicy = { low: 0.1, high: 0.8, haloUm: 8 };

/** The model that screens for the cascade (ships in models/). */
export const CASCADE_SCREEN_MODEL = 'unet-context';

/** What the policy reads from the screen's store (ProbabilityStore satisfies it). */
export interface ScreenMap {
  /** level-0 px per screen pixel */
  readonly d: number;
  /** probability at screen pixel (u, v); NaN where not analysed */
  get(u: number, v: number): number;
}

export type ScreenVerdict = 'negative' | 'positive' | 'uncertain';

/** What the screen says over `rect` (level-0 px) grown by the halo (`umPerPx`: µm per level-0 px). */
export function screenVerdict(
  screen: ScreenMap,
  rect: Rect,
  policy: CascadePolicy,
  umPerPx: number,
): ScreenVerdict {
  const halo = policy.haloUm / umPerPx;
  const u0 = Math.floor((rect.x - halo) / screen.d);
  const v0 = Math.floor((rect.y - halo) / screen.d);
  // exclusive ends; a rect ending exactly on a pixel edge does not read the next pixel
  const u1 = Math.ceil((rect.x + rect.width + halo) / screen.d);
  const v1 = Math.ceil((rect.y + rect.height + halo) / screen.d);
  // the core: screen pixels under the rect itself, where a pixel not analysed means unsure
  const cu0 = Math.floor(rect.x / screen.d);
  const cv0 = Math.floor(rect.y / screen.d);
  const cu1 = Math.ceil((rect.x + rect.width) / screen.d);
  const cv1 = Math.ceil((rect.y + rect.height) / screen.d);
  let anyLow = false;
  let anyHigh = false;
  for (let v = v0; v < v1; v++) {
    for (let u = u0; u < u1; u++) {
      const p = screen.get(u, v);
      // in the halo, a pixel not analysed (off the slide, background) says nothing
      if (Number.isNaN(p) && (u < cu0 || u >= cu1 || v < cv0 || v >= cv1)) continue;
      if (!(p < policy.low || p > policy.high)) return 'uncertain'; // in the band, or NaN
      if (p < policy.low) anyLow = true;
      else anyHigh = true;
      if (anyLow && anyHigh) return 'uncertain';
    }
  }
  if (!anyLow && !anyHigh) return 'uncertain';
  return anyHigh ? 'positive' : 'negative';
}

/**
 * An output buffer (targetSize², one slot) for `patch` whose kept part holds the screen's
 * probability at each output pixel's centre (nearest screen pixel); outside the kept part, 0.
 */
export function screenFill(
  screen: ScreenMap,
  patch: Pick<PlannedPatch, 'keep' | 'keepOnSlide'>,
  targetSize: number,
): Float32Array {
  const out = new Float32Array(targetSize * targetSize);
  const { keep, keepOnSlide: k } = patch;
  const sx = k.width / keep.width;
  const sy = k.height / keep.height;
  for (let j = 0; j < keep.height; j++) {
    const v = Math.floor((k.y + (j + 0.5) * sy) / screen.d);
    for (let i = 0; i < keep.width; i++) {
      const u = Math.floor((k.x + (i + 0.5) * sx) / screen.d);
      out[(keep.y + j) * targetSize + keep.x + i] = screen.get(u, v);
    }
  }
  return out;
}

/**
 * The screen that can show `card`'s coarse map first (a preview), among `cards`: the 4 µm/px U-Net,
 * for single-channel models trained on the same data at a finer target mpp (the 1 µm/px U-Net and
 * the MRNs). Null for models with no coarse model trained on their data (GlaS, ONNX imports, test
 * models): they have no coarse map to show.
 */
export function previewScreenFor(card: ModelCard, cards: readonly ModelCard[]): string | null {
  const screen = cards.find((c) => c.id === CASCADE_SCREEN_MODEL);
  if (!screen || card.id === screen.id || card.testModel) return null;
  if (card.output.channels.length !== 1) return null;
  if (card.training?.data !== screen.training?.data) return null;
  const target = card.inputs.find((i) => i.role === 'target') ?? card.inputs[0];
  const screenTarget = screen.inputs[0];
  return target && screenTarget && target.mpp < screenTarget.mpp ? screen.id : null;
}

/**
 * The screen for `card` among `cards` when the cascade may also skip `card` where the screen is sure:
 * MRN models only, the ones the policy was tuned for (validation seeds 3300–3305). Other models with
 * a preview screen (the 1 µm/px U-Net) run everywhere after it. Null when the cascade does not apply.
 */
export function cascadeScreenFor(card: ModelCard, cards: readonly ModelCard[]): string | null {
  return card.architecture === 'mrn' ? previewScreenFor(card, cards) : null;
}
