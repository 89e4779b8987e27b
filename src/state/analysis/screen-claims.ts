// Screen patches shared between runs that go at once: in compare mode both viewers' runs use the
// same coarse screen (unet-context) over the same view, through its one worker, and each planned
// the screen patches not in its store yet, so each computed them all (twice the screen's time
// before either coarse map). A run claims its screen patches first: those no other run is computing
// are its own; the others it waits for, then computes whatever they left (an aborted run leaves its
// claim unfinished). The first claimer waits for nobody, so runs never wait on each other in a circle.
//
//   const claim = claims.claim(ctx, 'unet-context', plan.patches);
//   await run(claim.mine); await claim.others(); await run(claim.theirs.filter(notStored));
//   claim.release();   // once its own are in the store (or it stopped)

import { cellKey } from '../../analysis/cascade';

export interface ScreenClaim<P> {
  /** patches this run computes */
  mine: P[];
  /** patches other runs were computing when it claimed */
  theirs: P[];
  /** resolves once those runs have released their claims (done or stopped) */
  others(): Promise<void>;
  /** this run's own patches are done (or it stopped): runs waiting for them go on. Idempotent. */
  release(): void;
}

interface Claim {
  cells: Set<string>;
  done: Promise<void>;
}

export class ScreenClaims {
  private readonly bySlide = new WeakMap<object, Map<string, Set<Claim>>>();

  /** Claims `patches` of screen `screenId` on the slide `slide` (its context object). */
  claim<P extends { col: number; row: number }>(
    slide: object,
    screenId: string,
    patches: readonly P[],
  ): ScreenClaim<P> {
    let screens = this.bySlide.get(slide);
    if (!screens) {
      screens = new Map();
      this.bySlide.set(slide, screens);
    }
    let live = screens.get(screenId);
    if (!live) {
      live = new Set();
      screens.set(screenId, live);
    }
    const mine: P[] = [];
    const theirs: P[] = [];
    const waitFor = new Set<Claim>();
    for (const p of patches) {
      const key = cellKey(p.col, p.row);
      let owner: Claim | null = null;
      for (const c of live) if (c.cells.has(key)) owner = c;
      if (owner) {
        theirs.push(p);
        waitFor.add(owner);
      } else mine.push(p);
    }
    let release!: () => void;
    const own: Claim = {
      cells: new Set(mine.map((p) => cellKey(p.col, p.row))),
      done: new Promise<void>((resolve) => {
        release = resolve;
      }),
    };
    const claims = live;
    if (own.cells.size > 0) claims.add(own);
    const waits = [...waitFor].map((c) => c.done);
    return {
      mine,
      theirs,
      others: () => Promise.all(waits).then(() => {}),
      release: () => {
        claims.delete(own);
        release();
      },
    };
  }
}
