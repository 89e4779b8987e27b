// The address bar, read and written here only:
// `?slide=<url>&results=<url>&x=&y=&zoom=&drawer=&coalesce=0&early=0&prefetch=0&cascade=0&prewarm=0&tile=64&flips=4&optimize=0`. Deep links open a slide at a view,
// with batch results over it (`results`: the slide's batch output folder, DIR/<slide-name>/); the
// open slide and the view are written back (replaceState, no history).
//
//   const { slide, view, drawer } = readUrlState();
//   writeSlideParam('/demo/demo.tiff', false);   // a File/Blob: null (removes ?slide=)
//   writeViewParam({ x, y, zoom });

import { type FlipCount, isFlipCount } from '../inference/flip-count';
import { parseViewParams, type ViewState, writeViewParams } from '../viewer/view-math';

export interface UrlState {
  /** the slide URL to open */
  slide: string | null;
  /** batch results to open over it: DIR/<slide-name>/ or one model's folder */
  results: string | null;
  view: ViewState | null;
  /** OpenSeadragon drawer asked for (see viewer-controller.ts parseDrawer) */
  drawer: string | null;
  /** `coalesce=0` sends one range request per tile read (the benchmark's baseline) */
  coalesce: boolean;
  /** a deep link's home-view tiles are decoded as soon as the slide is open, before the viewer
   *  asks (src/slide/home-view-tiles.ts); `prefetch=0` waits for the viewer (README, deeplink) */
  prefetch: boolean;
  /** `cascade=0` runs MRN models and the U-Net on every patch with no coarse screen first (src/analysis/cascade.ts),
   *  `cascade=1` turns it on; null: not given (the app's default) */
  cascade: boolean | null;
  /** `prewarm=0`: no model workers started before a run asks (src/state/analysis/prewarm.ts) */
  prewarm: boolean;
  /** `tile=64`: inference tiles of at most 64 target px (the trained patch); null: the default */
  tile: number | null;
  /** `flips=4`: test-time flip averaging for every model (1, 2, 4 or 8); null: each card's default */
  flips: FlipCount | null;
  /** `optimize=0`: models run as exported, without fused convs (engine.ts `optimize`; the
   *  benchmarks' legacy rows) */
  optimize: boolean;
}

/** A positive whole number of px, else null (a malformed `tile=` is ignored). */
const tileParam = (v: string | null): number | null =>
  v !== null && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : null;

/** 1, 2, 4 or 8, else null (a malformed `flips=` is ignored). */
const flipsParam = (v: string | null): FlipCount | null => {
  const n = v === null ? Number.NaN : Number(v);
  return isFlipCount(n) ? n : null;
};

export function parseUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  return {
    slide: params.get('slide') || null,
    results: params.get('results') || null,
    view: parseViewParams(params),
    drawer: params.get('drawer'),
    coalesce: params.get('coalesce') !== '0',
    prefetch: params.get('prefetch') !== '0',
    cascade: params.has('cascade') ? params.get('cascade') !== '0' : null,
    prewarm: params.get('prewarm') !== '0',
    tile: tileParam(params.get('tile')),
    flips: flipsParam(params.get('flips')),
    optimize: params.get('optimize') !== '0',
  };
}

export function readUrlState(): UrlState {
  return parseUrlState(window.location.search);
}

function rewrite(edit: (params: URLSearchParams) => void): void {
  const url = new URL(window.location.href);
  const before = url.searchParams.toString();
  edit(url.searchParams);
  // nothing changed (a deep link opening its own slide): replaceState still cost ~10 ms here
  if (url.searchParams.toString() !== before) window.history.replaceState(null, '', url);
}

/**
 * Records the open slide's URL (null for a File or Blob); drops the view unless `keepView`, and
 * the results unless the slide is the same.
 */
export function writeSlideParam(slideUrl: string | null, keepView: boolean): void {
  rewrite((p) => {
    if (!slideUrl || p.get('slide') !== slideUrl) p.delete('results');
    if (slideUrl) p.set('slide', slideUrl);
    else p.delete('slide');
    if (!keepView) for (const k of ['x', 'y', 'zoom']) p.delete(k);
  });
}

/** Records the batch results opened over the slide by URL (null: none, or not by URL). */
export function writeResultsParam(resultsUrl: string | null): void {
  rewrite((p) => {
    if (resultsUrl) p.set('results', resultsUrl);
    else p.delete('results');
  });
}

export function writeViewParam(view: ViewState): void {
  rewrite((p) => writeViewParams(p, view));
}
