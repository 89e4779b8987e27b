// The OpenSeadragon viewer for one page: opens ViewerSlides, reports the view, times the first complete
// viewport, cancels tile reads that left the view, and converts between OSD viewport units and the
// level-0 ViewState used by the URL and the scripting API. No React here.

import OpenSeadragon from 'openseadragon';
import { abortError } from '../util/abort';
import { BitmapCanvasDrawer } from './bitmap-canvas-drawer';
import { firstViewLevel } from './first-view-level';
import { CANCELLED_MESSAGE, emptyCounters, SlideTileSource, type TileCounters } from './slide-tile-source';
import type { ViewState } from './view-math';
import type { ViewerSlide } from './viewer-slide';

export interface ViewerCallbacks {
  /** the view moved (called at most once per animation frame) */
  onView?(view: ViewState): void;
  /** all tiles needed for the first view of a slide are drawn */
  onFirstViewport?(ms: number): void;
  /** a tile could not be read even after retries */
  onTileError?(message: string): void;
  /** a tile read succeeded (used to clear a tile warning once the source recovers) */
  onTileLoaded?(): void;
}

export interface ViewerStats {
  firstViewportMs: number | null;
  /** performance.now() when the first view was completely drawn: ms since the page's navigation */
  firstViewportAt: number | null;
  /**
   * The level (0 finest) the first view loaded alone (holdFirstView), null where OSD loaded coarse to
   * fine; the tiles asked for by the time it was complete; and the times OSD drew the canvas until
   * then (null: not counted, before the first view's hold).
   */
  firstView: { level: number | null; tilesRequested: number | null; draws: number | null };
  tiles: Omit<TileCounters, 'inFlight'> & { inFlight: number };
  cache: { osdTiles: number; osdCaches: number; osdMaxCaches: number; reader: unknown };
}

/**
 * OSD's drawers we support: 'canvas' (2D) or 'webgl'. Canvas is the default: it draws the first
 * viewport about twice as fast here (software WebGL), and Chromium accelerates 2D canvas on a GPU.
 * Both composite the heatmap alike (e2e/overlay.spec.ts).
 */
export type DrawerKind = 'canvas' | 'webgl';
export const DEFAULT_DRAWER: DrawerKind = 'canvas';

export function parseDrawer(value: string | null | undefined): DrawerKind {
  return value === 'canvas' || value === 'webgl' ? value : DEFAULT_DRAWER;
}

/** OSD's own tile cache is bounded at this many decoded tiles (≈ 260 MB of 256² RGBA at most). */
export const OSD_MAX_CACHE = 1000;

/** OSD's loader limit while a first view loads its one level (home-view-tiles.ts's cap) */
const FIRST_VIEW_JOB_LIMIT = 128;

const EMPTY_COUNTERS: Readonly<TileCounters> = emptyCounters();

export class SlideViewer {
  readonly osd: OpenSeadragon.Viewer;
  private source: SlideTileSource | null = null;
  private firstViewportMs: number | null = null;
  private firstViewportAt: number | null = null;
  /** undoes holdFirstView */
  private firstViewHold: (() => void) | null = null;
  /** adds the navigator's copies of the items opened while a first view loads (holdNavigator) */
  private navigatorHold: ((replay: boolean) => void) | null = null;
  private firstView: ViewerStats['firstView'] = { level: null, tilesRequested: null, draws: null };
  private viewFrame = 0;
  private staleTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly callbacks: ViewerCallbacks;

  constructor(element: HTMLElement, callbacks: ViewerCallbacks = {}, drawer: DrawerKind = DEFAULT_DRAWER) {
    this.callbacks = callbacks;
    this.osd = OpenSeadragon({
      element,
      // the 2D drawer draws our bitmap tiles as they are (bitmap-canvas-drawer.ts)
      drawer: drawer === 'canvas' ? BitmapCanvasDrawer : drawer,
      // canvas-element tiles are straight alpha; the WebGL drawer blends premultiplied colour
      drawerOptions: { webgl: { unpackWithPremultipliedAlpha: true } },
      showNavigationControl: false,
      showNavigator: true,
      navigatorPosition: 'BOTTOM_RIGHT',
      navigatorSizeRatio: 0.16,
      navigatorAutoFade: false,
      navigatorBackground: '#111418',
      navigatorBorderColor: '#3b4452',
      navigatorDisplayRegionColor: '#4aa3ff',
      // The worker pool decodes in parallel; more concurrent jobs only queue inside it.
      imageLoaderLimit: 8,
      maxImageCacheCount: OSD_MAX_CACHE,
      timeout: 120_000,
      tileRetryMax: 0, // retries happen in SlideTileSource, where transient errors are known
      // Decoding is off-thread and drawing is cheap: draw more tiles per frame than OSD's 1.
      maxTilesPerFrame: 16,
      immediateRender: false,
      blendTime: 0.1,
      animationTime: 0.5,
      springStiffness: 8,
      visibilityRatio: 0.2,
      minZoomImageRatio: 0.5,
      maxZoomPixelRatio: 4,
      smoothTileEdgesMinZoom: Number.POSITIVE_INFINITY,
      background: '#0b0d10',
      gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true, flickEnabled: true },
      keyboardNavEnabled: true,
    } as OpenSeadragon.Options);

    this.osd.addHandler('viewport-change', () => {
      this.scheduleView();
      this.scheduleStaleCheck();
    });
    this.osd.addHandler('animation-finish', () => this.cancelStale());
    // the user moved the view, or a tile failed (the first view will not complete): OSD's own order
    for (const ev of [
      'canvas-drag',
      'canvas-scroll',
      'canvas-key',
      'canvas-double-click',
      'canvas-pinch',
    ] as const)
      this.osd.addHandler(ev, () => this.releaseFirstView());
    this.osd.addHandler('tile-load-failed', (e) => {
      if (e.message !== CANCELLED_MESSAGE) this.releaseFirstView();
      const tile = e.tile;
      if (e.message === CANCELLED_MESSAGE) {
        // OSD marks failed tiles as missing for good; a cancelled one must be loadable again later.
        setTimeout(() => {
          tile.exists = true;
        }, 0);
      }
    });
  }

  get slide(): ViewerSlide | null {
    return this.source?.slide ?? null;
  }

  /**
   * Shows a slide. `startedAt` (performance.now()) is when the user asked for it, so the first-viewport
   * time includes opening the file. Resolves once OSD has the image (not when tiles are drawn).
   */
  open(slide: ViewerSlide, startedAt: number, view?: ViewState | null): Promise<void> {
    this.close();
    this.firstViewportMs = null;
    this.firstViewportAt = null;
    this.firstView = { level: null, tilesRequested: null, draws: null };
    const source = new SlideTileSource(slide, {
      onTileError: (message) => this.callbacks.onTileError?.(message),
      onTileLoaded: () => this.callbacks.onTileLoaded?.(),
    });
    this.source = source;
    this.holdNavigator();
    return new Promise((resolve, reject) => {
      this.osd.addOnceHandler('open', () => {
        // the slide's own item, as ready() waits for: the viewer's aggregate event also waits for
        // overlay items, and could leave the first-viewport time unset after ready() resolved
        this.item()?.addHandler('fully-loaded-change', (e) => {
          if (e.fullyLoaded && this.source === source && this.firstViewportMs === null) {
            this.firstView.tilesRequested = source.counters.requested;
            this.releaseFirstView();
            this.firstViewportAt = performance.now();
            this.firstViewportMs = this.firstViewportAt - startedAt;
            this.callbacks.onFirstViewport?.(this.firstViewportMs);
          }
        });
        if (view) this.setView(view, true);
        this.holdFirstView(source);
        if (!this.firstViewHold) this.releaseNavigator();
        this.scheduleView();
        resolve();
      });
      this.osd.addOnceHandler('open-failed', (e) => {
        this.releaseNavigator();
        reject(new Error(String(e.message)));
      });
      this.osd.open(source as unknown as OpenSeadragon.TileSourceSpecifier);
    });
  }

  close(): void {
    if (!this.source) return;
    this.source.cancelAll(); // before the release, which would start the navigator's waiting jobs
    this.releaseNavigator(false); // the held copies belong to the items closed here
    this.releaseFirstView();
    this.osd.close();
    this.source = null;
  }

  /**
   * On a slide whose levels coarser than the first view's are all synthetic (first-view-level.ts),
   * lets OSD load only the drawn level until the view is complete: the source's minLevel and the
   * item's cut-off level (which OSD otherwise loads whenever coverage is short) are that level, all
   * its tiles are asked for at once, and the navigator's requests wait. Undone at the first complete
   * view, so zooming out afterwards loads the coarser levels as before.
   */
  private holdFirstView(source: SlideTileSource): void {
    const item = this.item() as (OpenSeadragon.TiledImage & { savedCutOffLevel: number }) | null;
    if (!item) return;
    const imageZoom = item.viewportToImageZoom(this.osd.viewport.getZoom(true));
    const minPixelRatio = (this.osd as unknown as { minPixelRatio: number }).minPixelRatio;
    const level = firstViewLevel(source.slide.metadata.levels, imageZoom, minPixelRatio);
    if (level === null) return;
    this.firstView.level = level;
    const osdLevel = source.osdLevel(level);
    const cutOff = item.savedCutOffLevel;
    const saved = source.minLevel;
    source.minLevel = osdLevel;
    item.savedCutOffLevel = osdLevel;
    // the navigator (another item on the same source) would load the same tiles beside them
    source.deferOthers(item);
    // and its tiles drawn together (the per-tile redraws cost as much as the decodes on 2 cores)
    source.batchTiles(item);
    const resumeDrawing = this.drawOnlyBatches(item, source);
    this.firstView.draws = 0;
    const countDraw = () => {
      if (this.firstView.draws !== null && this.firstViewportAt === null) this.firstView.draws++;
    };
    this.osd.addHandler('update-viewport', countDraw);
    // all of the level's tiles asked for at once: their reads coalesce into a few range requests
    const loader = (this.osd as unknown as { imageLoader: { jobLimit: number } }).imageLoader;
    const jobLimit = loader.jobLimit;
    loader.jobLimit = FIRST_VIEW_JOB_LIMIT;
    const release = () => {
      loader.jobLimit = jobLimit;
      source.minLevel = saved;
      item.savedCutOffLevel = cutOff;
      source.batchTiles(null);
      source.deferOthers(null);
      resumeDrawing();
      this.osd.removeHandler('update-viewport', countDraw);
    };
    this.firstViewHold = release;
  }

  /**
   * While `item`'s tiles are batched (batchTiles), OSD draws and updates only when a batch came: its
   * world asks for a draw every frame while an item has drawn nothing yet or is loading, and each
   * such repaint of the empty canvas cost 20-90 ms here (software raster and commit) beside the
   * decodes on the same 2 cores; the item itself is updated every frame (3-4 ms of the main thread)
   * to the same result while all its reads are in flight; and the navigator (its own viewer, whose
   * tiles wait for the first view) repaints nothing. Returns what undoes it.
   */
  private drawOnlyBatches(item: OpenSeadragon.TiledImage, source: SlideTileSource): () => void {
    const world = this.osd.world;
    const needsDraw = world.needsDraw;
    let drawn = source.batchesFlushed;
    world.needsDraw = () => {
      if (!needsDraw.call(world)) return false;
      if (source.batching && source.batchesFlushed === drawn) return false;
      drawn = source.batchesFlushed;
      return true;
    };
    type Updatable = { update(viewportChanged: boolean): boolean };
    const updatable = item as unknown as Updatable;
    const update = updatable.update;
    let seen: number | null = null;
    updatable.update = (viewportChanged: boolean) => {
      const state = source.batchState(item);
      if (!viewportChanged && state !== null && state >= 0 && state === seen) return false;
      seen = state;
      return update.call(item, viewportChanged);
    };
    const navWorld = (this.osd as unknown as { navigator?: OpenSeadragon.Viewer }).navigator?.world ?? null;
    const navNeedsDraw = navWorld?.needsDraw;
    if (navWorld) navWorld.needsDraw = () => false;
    return () => {
      world.needsDraw = needsDraw;
      updatable.update = update;
      if (navWorld && navNeedsDraw) navWorld.needsDraw = navNeedsDraw;
    };
  }

  private releaseFirstView(): void {
    const release = this.firstViewHold;
    this.firstViewHold = null;
    release?.();
    this.releaseNavigator();
  }

  /**
   * Until the first view is complete (or not held), the navigator gets no items: adding its copy
   * of the slide's item cost ~30 ms of the main thread here (OSD matches its bounds and flip, and a
   * flip change runs a full update of the new item), beside the first view's decodes on 2 cores.
   */
  private holdNavigator(): void {
    const nav = (this.osd as unknown as { navigator?: { addTiledImage(options: unknown): void } }).navigator;
    if (!nav) return;
    const add = nav.addTiledImage;
    const held: unknown[] = [];
    nav.addTiledImage = (options: unknown) => {
      held.push(options);
    };
    this.navigatorHold = (replay) => {
      nav.addTiledImage = add;
      if (replay) for (const options of held) add.call(nav, options);
    };
  }

  private releaseNavigator(replay = true): void {
    const release = this.navigatorHold;
    this.navigatorHold = null;
    release?.(replay);
  }

  private item(): OpenSeadragon.TiledImage | null {
    return this.source ? (this.osd.world.getItemAt(0) ?? null) : null;
  }

  /** Current view in level-0 terms, or null when nothing is open. */
  getView(current = true): ViewState | null {
    const item = this.item();
    if (!item) return null;
    const vp = this.osd.viewport;
    const c = item.viewportToImageCoordinates(vp.getCenter(current));
    return { x: c.x, y: c.y, zoom: item.viewportToImageZoom(vp.getZoom(current)) };
  }

  setView(view: ViewState, immediately = false): void {
    this.releaseFirstView(); // the view moved on: OSD's own order again
    const item = this.item();
    if (!item) return;
    const vp = this.osd.viewport;
    vp.zoomTo(item.imageToViewportZoom(view.zoom), undefined, immediately);
    vp.panTo(item.imageToViewportCoordinates(view.x, view.y), immediately);
    vp.applyConstraints(immediately);
  }

  goHome(): void {
    this.releaseFirstView();
    this.osd.viewport.goHome();
  }

  zoomBy(factor: number): void {
    this.releaseFirstView();
    this.osd.viewport.zoomBy(factor);
    this.osd.viewport.applyConstraints();
  }

  /** Loads again every tile that failed (after the source recovered). */
  retryFailedTiles(): void {
    this.osd.world.resetItems();
    this.osd.forceRedraw();
  }

  async stats(): Promise<ViewerStats> {
    const c = this.source?.counters ?? EMPTY_COUNTERS;
    const reader = this.source ? await Promise.resolve(this.source.slide.stats?.()).catch(() => null) : null;
    return {
      firstViewportMs: this.firstViewportMs,
      firstViewportAt: this.firstViewportAt,
      firstView: { ...this.firstView },
      tiles: { ...c },
      cache: {
        osdTiles: this.osd.tileCache.numTilesLoaded(),
        osdCaches: this.osd.tileCache.numCachesLoaded(),
        osdMaxCaches: OSD_MAX_CACHE,
        reader: reader ?? null,
      },
    };
  }

  /** Resolves when every tile needed for the current view is drawn. */
  whenFullyLoaded(signal?: AbortSignal): Promise<void> {
    const item = this.item();
    if (!item) return Promise.reject(new Error('No slide is open.'));
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      // A tick first, so a view change just made has been seen by OSD.
      setTimeout(() => {
        if (item.getFullyLoaded()) return resolve();
        item.addOnceHandler('fully-loaded-change', () => resolve());
      }, 50);
    });
  }

  destroy(): void {
    this.close();
    if (this.staleTimer) clearTimeout(this.staleTimer);
    cancelAnimationFrame(this.viewFrame);
    this.osd.destroy();
  }

  private scheduleView(): void {
    if (this.viewFrame) return;
    this.viewFrame = requestAnimationFrame(() => {
      this.viewFrame = 0;
      const v = this.getView(true);
      if (v) this.callbacks.onView?.(v);
    });
  }

  private scheduleStaleCheck(): void {
    if (this.staleTimer) return;
    this.staleTimer = setTimeout(() => {
      this.staleTimer = null;
      this.cancelStale();
    }, 150);
  }

  /** Cancels reads of tiles outside the (target) view, or finer than the target zoom needs. */
  private cancelStale(): void {
    const source = this.source;
    const item = this.item();
    if (!source || !item) return;
    const vp = this.osd.viewport;
    const bounds = vp.getBounds(false);
    const margin = 0.25;
    const left = bounds.x - bounds.width * margin;
    const top = bounds.y - bounds.height * margin;
    const right = bounds.x + bounds.width * (1 + margin);
    const bottom = bounds.y + bounds.height * (1 + margin);
    const screenScale = item.viewportToImageZoom(vp.getZoom(false)) * window.devicePixelRatio;
    // The finest level OSD can still want: the coarsest one at or above half the screen resolution.
    let neededLevel = source.maxLevel;
    for (let l = source.minLevel; l <= source.maxLevel; l++) {
      if (source.getLevelScale(l) >= screenScale * 0.5) {
        neededLevel = l;
        break;
      }
    }
    source.cancelWhere((tile) => {
      if (tile.level > neededLevel + 1) return true;
      const b = tile.bounds;
      return b.x > right || b.y > bottom || b.x + b.width < left || b.y + b.height < top;
    });
  }
}
