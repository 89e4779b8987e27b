import { describe, expect, it } from 'vitest';
import { sameView, ViewSync } from './compare-sync';
import type { ViewState } from './view-math';

/** Two fake viewers whose setView echoes back through the sync, as OSD's viewport-change does. */
function pair(sync: ViewSync) {
  const views: Record<'left' | 'right', ViewState | null> = { left: null, right: null };
  const pushes: string[] = [];
  const report = (side: 'left' | 'right', v: ViewState) => {
    views[side] = v;
    const other = side === 'left' ? 'right' : 'left';
    sync.moved(side, v, (w) => {
      pushes.push(`${side}->${other}`);
      // the other viewer reports the view it was given a frame later
      queue.push(() => report(other, { ...w }));
    });
  };
  const queue: (() => void)[] = [];
  const flush = () => {
    while (queue.length) queue.shift()!();
  };
  return { views, pushes, report, flush };
}

describe('view sync', () => {
  it('follows the moved viewer without ping-pong', () => {
    const sync = new ViewSync();
    const p = pair(sync);
    p.report('left', { x: 100, y: 200, zoom: 1 });
    p.flush();
    expect(p.views.right).toEqual({ x: 100, y: 200, zoom: 1 });
    expect(p.pushes).toEqual(['left->right']);
    p.report('right', { x: 150, y: 200, zoom: 2 });
    p.flush();
    expect(p.views.left).toEqual({ x: 150, y: 200, zoom: 2 });
    expect(p.pushes).toEqual(['left->right', 'right->left']);
  });

  it('does nothing while unlocked', () => {
    const sync = new ViewSync();
    sync.locked = false;
    const p = pair(sync);
    p.report('left', { x: 1, y: 2, zoom: 1 });
    p.flush();
    expect(p.views.right).toBeNull();
    expect(p.pushes).toEqual([]);
  });

  it('treats sub-pixel differences as the same view', () => {
    expect(sameView({ x: 10, y: 10, zoom: 1 }, { x: 10.2, y: 9.9, zoom: 1 + 1e-9 })).toBe(true);
    expect(sameView({ x: 10, y: 10, zoom: 1 }, { x: 11, y: 10, zoom: 1 })).toBe(false);
    expect(sameView({ x: 10, y: 10, zoom: 1 }, { x: 10, y: 10, zoom: 1.01 })).toBe(false);
  });
});
