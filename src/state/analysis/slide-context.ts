// Everything analysis keeps for the open slide: the pixel source analysis reads, the probability
// stores, the tissue mask, the context caches and the slide's fingerprint. One AbortController per
// context: closing the slide (or a new mpp) aborts it, so tissue detection and reads stop.

import { ContextCache } from '../../analysis/context-cache';
import {
  type TissueDetectorFn,
  type TissuePlan,
  type TissueRule,
  tissueForRule,
  tissueRuleKey,
} from '../../analysis/tissue-rule';
import type { PlanOptions } from '../../analysis/viewport-planner';
import type { PatchGeometry } from '../../geometry/patch-geometry';
import type { ProbabilityStore } from '../../heatmap/probability-store';
import { slideFingerprint } from '../../heatmap/result-persistence';
import type { RegionRequest, RgbaImage, SlideMetadata, SlideSource } from '../../slide/slide-types';
import { newAbortError } from '../../util/abort';
import type { AppState } from '../app-store';

/** What analysis needs of an open slide. */
export interface SlidePixels {
  readRegion(r: RegionRequest): Promise<RgbaImage>;
}

export type TissueDetector = TissueDetectorFn;

export interface SlideContext {
  slide: SlidePixels;
  source: SlideSource;
  /** the slide's metadata with the mpp analysis uses */
  metadata: SlideMetadata;
  mpp: number;
  /** where the slide was opened from (null for a File or Blob): the sidecar lives beside it */
  slideUrl: string | null;
  /** aborted when the context is disposed */
  signal: AbortSignal;
  stores: Map<string, ProbabilityStore>;
  pendingStores: Map<string, Promise<ProbabilityStore>>;
  contextCaches: Map<number, ContextCache>;
  fingerprint: Promise<string | null>;
  /** tissue masks per card rule (tissueRuleKey), each detected once */
  tissue: Map<string, Promise<TissuePlan>>;
  dispose(): void;
}

export function createSlideContext(
  slide: SlidePixels,
  metadata: SlideMetadata,
  mpp: number,
  slideUrl: string | null,
): SlideContext {
  const meta = { ...metadata, mpp };
  const controller = new AbortController();
  const source: SlideSource = {
    metadata: meta,
    // reads end with the context, whatever the caller passed
    readRegion: (r: RegionRequest) =>
      slide.readRegion({
        ...r,
        signal: r.signal ? AbortSignal.any([r.signal, controller.signal]) : controller.signal,
      }),
    getTile: () => Promise.reject(new Error('not used by analysis')),
    close: () => {},
  };
  return {
    slide,
    source,
    metadata: meta,
    mpp,
    slideUrl,
    signal: controller.signal,
    stores: new Map(),
    pendingStores: new Map(),
    contextCaches: new Map(),
    fingerprint: slideFingerprint(meta).catch(() => null),
    tissue: new Map(),
    dispose: () => controller.abort(newAbortError('slide closed')),
  };
}

/**
 * The slide's tissue mask under a card's rule (card.tissueDetection: 'off', a rule, or undefined
 * for the default), detected once per rule; mask null when the rule is 'off' or detection failed.
 */
export function tissueOf(ctx: SlideContext, rule?: TissueRule, detect?: TissueDetector): Promise<TissuePlan> {
  const key = tissueRuleKey(rule);
  let t = ctx.tissue.get(key);
  if (!t) {
    t = tissueForRule(ctx.source, rule, { signal: ctx.signal, detect }).catch(() => ({ mask: null }));
    ctx.tissue.set(key, t);
  }
  return t;
}

/** What the planner needs of this slide for one model's store: the one place these are put together. */
export function planOptionsFor(
  ctx: SlideContext,
  geometry: PatchGeometry,
  store: ProbabilityStore,
  tissue: TissuePlan,
  isCached: (col: number, row: number) => boolean,
): PlanOptions {
  return {
    slide: ctx.metadata,
    slideMpp: ctx.mpp,
    geometry,
    keepMargin: store.info.margin,
    tissue: tissue.mask,
    minTissue: tissue.minFraction,
    isCached,
  };
}

/** The shared low-resolution cache for a model's context patches (null for single-input models). */
export function contextCacheFor(ctx: SlideContext, g: PatchGeometry): ContextCache | null {
  if (g.contextMpp === undefined) return null;
  const ds = g.contextMpp / ctx.mpp;
  let cache = ctx.contextCaches.get(ds);
  if (!cache) {
    cache = new ContextCache(ctx.source, { contextDownsample: ds });
    ctx.contextCaches.set(ds, cache);
  }
  return cache;
}

export interface ContextCacheStats {
  /** decoded slide pixels per context pixel, over every context cache of this slide */
  decodedPerOutputPixel: number;
  blockHits: number;
  blockMisses: number;
}

export function contextCacheStats(ctx: SlideContext): ContextCacheStats {
  let decoded = 0;
  let out = 0;
  let hits = 0;
  let misses = 0;
  for (const c of ctx.contextCaches.values()) {
    decoded += c.stats.decodedPixels;
    out += c.stats.outputPixels;
    hits += c.stats.blockHits;
    misses += c.stats.blockMisses;
  }
  return { decodedPerOutputPixel: out ? decoded / out : 0, blockHits: hits, blockMisses: misses };
}

/** What the contexts need of the app: the slide shown, and how to ask the user for the mpp. */
export interface SlideContextHost {
  /** the slide the main viewer shows now */
  shownSlide(): SlidePixels | null;
  /** the slide has no mpp and an analysis was asked for */
  askForMpp(message: string): void;
}

/**
 * The context of the open slide, following the app store: a new one when a slide opens or its mpp
 * changes, the old one disposed (aborting its reads and tissue detection).
 */
export class SlideContexts {
  private ctx: SlideContext | null = null;

  constructor(
    private readonly host: SlideContextHost,
    /** a context was disposed (cancel runs, forget truth) */
    private readonly onClose: (ctx: SlideContext) => void,
    /** a context was made (load its sidecar, show its overlays) */
    private readonly onOpen: (ctx: SlideContext) => void,
  ) {}

  get current(): SlideContext | null {
    return this.ctx;
  }

  /** Follows an app state: opens, keeps or closes the context. */
  sync(s: AppState): void {
    const slide = this.host.shownSlide();
    const mpp = s.metadata?.mpp ?? null;
    const open = s.status === 'ready' && slide && s.metadata ? { slide, metadata: s.metadata } : null;
    if (this.ctx && open && this.ctx.slide === open.slide && this.ctx.mpp === mpp) return;
    this.close();
    if (!open || mpp === null) return; // no slide, or the mpp prompt is open: analysis waits
    this.ctx = createSlideContext(open.slide, open.metadata, mpp, s.slideUrl);
    this.onOpen(this.ctx);
  }

  /** Disposes the context, if any (its reads and tissue detection abort). */
  close(): void {
    const old = this.ctx;
    if (!old) return;
    this.ctx = null;
    old.dispose();
    this.onClose(old);
  }

  /** The open slide's context; throws a readable error (and asks for the mpp) when there is none. */
  require(s: AppState): SlideContext {
    if (s.status !== 'ready' || !s.metadata) throw new Error('No slide is open.');
    if (s.metadata.mpp === null) {
      const m = 'This slide does not say its resolution (µm per pixel); enter it to run an analysis.';
      this.host.askForMpp(m);
      throw new Error(m);
    }
    if (!this.ctx) this.sync(s);
    if (!this.ctx) throw new Error('No slide is open.');
    return this.ctx;
  }
}
