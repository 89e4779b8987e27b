// The tiles a viewer draws first for a slide's home view (the whole slide fitted to the view),
// so the slide worker can start reading and decoding them while the viewer's own code is still
// loading (a deep link: src/main.tsx). The level is the one OpenSeadragon draws there: the
// finest whose pixels are at least half a screen pixel (its minPixelRatio, 0.5).

import type { SlideMetadata, TileRequest } from './slide-types';

/** the most tiles read ahead: a home view needs a few dozen (about 100 on a 2× screen); more would be a guess gone wrong */
export const MAX_HOME_TILES = 128;

export function homeViewTiles(
  metadata: Pick<SlideMetadata, 'width' | 'height' | 'levels'>,
  /** the viewer's size in device pixels */
  view: { width: number; height: number },
): Omit<TileRequest, 'signal'>[] {
  if (!(view.width > 0 && view.height > 0) || metadata.levels.length === 0) return [];
  // level-0 pixels per device pixel when the slide fits the view
  const fit = Math.max(metadata.width / view.width, metadata.height / view.height);
  let level = metadata.levels.length - 1; // coarsest, when none is fine enough
  for (let l = 0; l < metadata.levels.length; l++) {
    if (metadata.levels[l].downsample >= fit / 2) {
      level = l;
      break;
    }
  }
  const lv = metadata.levels[level];
  const across = Math.ceil(lv.width / lv.tileWidth);
  const down = Math.ceil(lv.height / lv.tileHeight);
  if (across * down > MAX_HOME_TILES) return [];
  // centre out, as the viewer asks for them
  const out: Omit<TileRequest, 'signal'>[] = [];
  for (let y = 0; y < down; y++) for (let x = 0; x < across; x++) out.push({ level, x, y });
  const cx = (across - 1) / 2;
  const cy = (down - 1) / 2;
  return out.sort((a, b) => Math.hypot(a.x - cx, a.y - cy) - Math.hypot(b.x - cx, b.y - cy));
}
