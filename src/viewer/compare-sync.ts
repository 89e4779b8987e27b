// Keeps two viewers' views in step (split-view compare) while the lock is on.
//
// Usage:
//   const sync = new ViewSync();
//   leftViewer callbacks:  onView: (v) => sync.moved('left', v, (w) => right.setView(w, true))
//   rightViewer callbacks: onView: (v) => sync.moved('right', v, (w) => left.setView(w, true))
//
// Setting one viewer's view makes it report that view back a frame later; those echoes are
// recognised (same view as the one we set) and not sent back, so the two never ping-pong.

import type { ViewState } from './view-math';

export type Side = 'left' | 'right';

/** Same view within half a level-0 pixel and a relative zoom of 1e-6. */
export function sameView(a: ViewState, b: ViewState): boolean {
  return Math.abs(a.x - b.x) < 0.5 && Math.abs(a.y - b.y) < 0.5 && Math.abs(a.zoom / b.zoom - 1) < 1e-6;
}

export class ViewSync {
  locked = true;
  /** the view last pushed to each side */
  private pushed: Record<Side, ViewState | null> = { left: null, right: null };

  /** `side` reported view `v`; pushes it to the other side unless it is an echo. Returns true if pushed. */
  moved(side: Side, v: ViewState, pushToOther: (v: ViewState) => void): boolean {
    const echo = this.pushed[side];
    if (echo && sameView(echo, v)) {
      this.pushed[side] = null;
      return false;
    }
    this.pushed[side] = null;
    if (!this.locked) return false;
    const other: Side = side === 'left' ? 'right' : 'left';
    this.pushed[other] = { ...v };
    pushToOther(v);
    return true;
  }

  reset(): void {
    this.pushed = { left: null, right: null };
  }
}
