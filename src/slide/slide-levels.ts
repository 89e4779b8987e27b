// The level list a viewer sees: the native pyramid plus synthetic levels, each half the size
// of the one before, wherever the next native level is more than 2× coarser (or missing).

import type { SlideLevel } from './slide-types';

export interface LevelPlan extends SlideLevel {
  /** level-0 pixels per pixel of this level in y */
  downsampleY: number;
  /** index into the native levels, or -1 for synthetic levels */
  native: number;
}

export interface NativeSize {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
}

export function planLevels(natives: NativeSize[]): LevelPlan[] {
  const base = natives[0];
  const tile = Math.max(base.tileWidth, base.tileHeight);
  const plans: LevelPlan[] = [];
  const nativeAt = (i: number): LevelPlan => ({
    width: natives[i].width,
    height: natives[i].height,
    tileWidth: natives[i].tileWidth,
    tileHeight: natives[i].tileHeight,
    downsample: base.width / natives[i].width,
    downsampleY: base.height / natives[i].height,
    synthetic: false,
    native: i,
  });
  const halve = (p: LevelPlan): LevelPlan => ({
    width: Math.ceil(p.width / 2),
    height: Math.ceil(p.height / 2),
    tileWidth: base.tileWidth,
    tileHeight: base.tileHeight,
    downsample: p.downsample * 2,
    downsampleY: p.downsampleY * 2,
    synthetic: true,
    native: -1,
  });
  plans.push(nativeAt(0));
  for (let i = 1; i < natives.length; i++) {
    const next = nativeAt(i);
    while (next.downsample > plans[plans.length - 1].downsample * 2 * 1.01)
      plans.push(halve(plans[plans.length - 1]));
    plans.push(next);
  }
  // Coarser than the coarsest native level: keep halving until the image fits one tile.
  while (Math.max(plans[plans.length - 1].width, plans[plans.length - 1].height) > tile) {
    plans.push(halve(plans[plans.length - 1]));
  }
  return plans;
}

/** The coarsest level whose downsample does not exceed `downsample` (level 0 if none). */
export function bestLevelFor(levels: readonly SlideLevel[], downsample: number): number {
  let best = 0;
  for (let i = 0; i < levels.length; i++) {
    if (levels[i].downsample <= downsample * (1 + 1e-9)) best = i;
  }
  return best;
}

/** The levels a slide's metadata lists: each plan without the reader's bookkeeping. */
export function slideLevels(plans: LevelPlan[]): SlideLevel[] {
  return plans.map(({ width, height, tileWidth, tileHeight, downsample, synthetic }) => ({
    width,
    height,
    tileWidth,
    tileHeight,
    downsample,
    synthetic,
  }));
}
