// Which level a slide's first view must load, when the coarser levels are not worth loading first.
// OpenSeadragon loads a view's coarser levels before (and beside) the level it draws, for a blurry
// preview. On a slide whose coarser levels are all synthetic (an SVS with one native level), every
// coarse tile waits for the same finer decodes as the drawn level, so the preview comes no earlier
// than the view itself; it only adds tiles to build and holds OSD's loader slots while the drawn
// level's tiles wait (150-680 ms of a deep link's first viewport, README). No OpenSeadragon here.

import type { SlideLevel } from '../slide/slide-types';

/**
 * The reader level (0 finest) OpenSeadragon draws at `imageZoom` (screen pixels per level-0 pixel):
 * the finest whose pixels are at least `minPixelRatio` screen pixels, else the coarsest. As OSD's
 * TiledImage picks it (its ratio: screen pixels per pixel of the level, x direction).
 */
export function drawnLevel(
  levels: readonly Pick<SlideLevel, 'downsample'>[],
  imageZoom: number,
  minPixelRatio: number,
): number {
  for (let l = 0; l < levels.length; l++) if (levels[l].downsample * imageZoom >= minPixelRatio) return l;
  return levels.length - 1;
}

/**
 * The level the first view loads alone, or null where OSD's usual coarse-to-fine loading stays:
 * some coarser level is native (cheap, and a real early preview), or the drawn level is the
 * coarsest already.
 */
export function firstViewLevel(
  levels: readonly Pick<SlideLevel, 'downsample' | 'synthetic'>[],
  imageZoom: number,
  minPixelRatio: number,
): number | null {
  if (!(imageZoom > 0 && Number.isFinite(imageZoom))) return null;
  const drawn = drawnLevel(levels, imageZoom, minPixelRatio);
  if (drawn >= levels.length - 1) return null;
  for (let l = drawn + 1; l < levels.length; l++) if (!levels[l].synthetic) return null;
  return drawn;
}
