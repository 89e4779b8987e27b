// The part of the slide a viewer shows, in level-0 pixels (what viewport analysis tiles).

import type { Rect } from '../geometry/patch-geometry';
import type { SlideViewer } from './viewer-controller';

/** Level-0 rectangle of the target view (the end of any animation); null when nothing is open. */
export function viewerImageRect(viewer: SlideViewer): Rect | null {
  const world = viewer.osd.world;
  if (!viewer.slide || world.getItemCount() === 0) return null;
  const item = world.getItemAt(0);
  const bounds = viewer.osd.viewport.getBoundsNoRotate(false);
  const r = item.viewportToImageRectangle(bounds);
  if (![r.x, r.y, r.width, r.height].every(Number.isFinite) || r.width <= 0 || r.height <= 0) return null;
  return { x: r.x, y: r.y, width: r.width, height: r.height };
}
