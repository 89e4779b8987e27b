// The heatmap overlays and the split view: the main viewer's layer, the compare viewer (made on
// first use) with its layer, and the pan/zoom lock between them. What each layer draws is
// layerContent(): the shown model's store (or the right − left difference) plus the truth outline
// and, for a batch result, its stored regions' outline.

import type { ProbabilityStore } from '../../heatmap/probability-store';
import { differenceSampler, type Sampler, storeSampler, type TileStyle } from '../../heatmap/tile-renderer';
import { ViewSync } from '../../viewer/compare-sync';
import type { HeatmapLayer, LayerContent } from '../../viewer/heatmap-layer';
import type { ViewState } from '../../viewer/view-math';
import type { SlideViewer } from '../../viewer/viewer-controller';
import type { ViewerSlide } from '../../viewer/viewer-slide';
import { type AnalysisState, getAnalysis } from '../analysis-store';

/** What the views need of a viewer (SlideViewer; a fake in tests). */
export type ViewerPort = Pick<
  SlideViewer,
  'slide' | 'open' | 'close' | 'getView' | 'setView' | 'whenFullyLoaded'
>;
export type LayerInfo = ReturnType<HeatmapLayer['info']>;
export type LayerPort = Pick<HeatmapLayer, 'setVisible' | 'refresh' | 'info'>;
export type LayerFactory<V> = (viewer: V, content: () => LayerContent | null) => LayerPort;

export type Side = 'left' | 'right';

/** What a side's overlay draws now; null when there is nothing to draw. */
export function layerContent(
  side: Side,
  a: AnalysisState,
  stores: ReadonlyMap<string, ProbabilityStore> | null,
  truth: Sampler | null,
  /** a model's stored tumour regions (batch results), drawn as an outline with its heatmap */
  regionsOf: (modelId: string) => Sampler | null = () => null,
): LayerContent | null {
  const shownTruth = a.showTruth ? truth : null;
  let sampler: Sampler | null = null;
  let regions: Sampler | null = null;
  let style: TileStyle = {
    colormap: a.colormap,
    opacity: a.opacity,
    threshold: a.outline ? a.threshold : null,
  };
  if (stores) {
    if (side === 'left' && (a.heatmapVisible || a.compare) && a.model) {
      const s = stores.get(a.model);
      if (s) sampler = storeSampler(s);
      regions = regionsOf(a.model);
    } else if (side === 'right' && a.right) {
      const r = stores.get(a.right);
      const l = a.model ? stores.get(a.model) : undefined;
      if (a.difference && r && l) {
        // MRN (right) − U-Net (left): red where the right model says tumour more
        sampler = differenceSampler(r, l);
        style = { colormap: 'RdBu', opacity: Math.max(a.opacity, 0.7), domain: [-1, 1], hideBelow: -2 };
      } else if (r) {
        sampler = storeSampler(r);
        regions = regionsOf(a.right);
      }
    }
  }
  return sampler || shownTruth || regions ? { sampler, style, truth: shownTruth, regions } : null;
}

export class HeatmapViews<V extends ViewerPort> {
  private readonly mainLayer: LayerPort;
  private compareViewer: V | null = null;
  private compareLayer: LayerPort | null = null;
  private readonly sync = new ViewSync();

  constructor(
    private readonly mainViewer: V,
    private readonly content: (side: Side) => LayerContent | null,
    private readonly createLayer: LayerFactory<V>,
    /** builds the right-hand viewer of the split view (called once, on first compare) */
    private readonly createCompareViewer?: () => V,
  ) {
    this.mainLayer = createLayer(mainViewer, () => content('left'));
  }

  /** The right-hand viewer while the split view is on (viewport runs of the right model use it). */
  get rightViewer(): V | null {
    return getAnalysis().compare ? this.compareViewer : null;
  }

  /** The main overlay shows with a heatmap, the split view, or the truth outline. */
  updateMainVisibility(hasTruth: boolean): void {
    const a = getAnalysis();
    this.mainLayer.setVisible(a.heatmapVisible || a.compare || (a.showTruth && hasTruth));
  }

  /** Redraws the overlays that show `modelId` (all when omitted). */
  refresh(modelId?: string): void {
    const a = getAnalysis();
    if (!modelId || modelId === a.model || (a.difference && modelId === a.right)) this.mainLayer.refresh();
    if (!modelId || modelId === a.right || (a.difference && modelId === a.model))
      this.compareLayer?.refresh();
  }

  /** Opens or closes the right-hand viewer (the store's `compare` says which). */
  async setCompareView(on: boolean): Promise<void> {
    if (!on) {
      this.compareLayer?.setVisible(false);
      this.compareViewer?.close();
      return;
    }
    if (!this.compareViewer) {
      if (!this.createCompareViewer) throw new Error('compare view is not available');
      const viewer = this.createCompareViewer();
      this.compareViewer = viewer;
      this.compareLayer = this.createLayer(viewer, () => this.content('right'));
    }
    await this.openCompareSlide();
  }

  /** Shows the main viewer's slide on the right too (after a slide opens in compare mode). */
  async openCompareSlide(): Promise<void> {
    const slide = this.mainViewer.slide;
    const viewer = this.compareViewer;
    if (!slide || !viewer) return;
    if (viewer.slide !== slide) {
      this.sync.reset();
      await viewer.open(slide as ViewerSlide, performance.now(), this.mainViewer.getView(false));
    }
    this.compareLayer?.setVisible(true);
    this.compareLayer?.refresh();
  }

  setLock(lock: boolean): void {
    this.sync.locked = lock;
    if (lock) this.push(this.mainViewer, this.compareViewer);
  }

  /** Main viewer moved: the locked compare viewer follows. */
  onMainView(v: ViewState): void {
    if (this.compareViewer?.slide && getAnalysis().compare)
      this.sync.moved('left', v, (w) => this.compareViewer?.setView(w, true));
  }

  /** Compare viewer moved: the locked main viewer follows. */
  onCompareView(v: ViewState): void {
    if (getAnalysis().compare) this.sync.moved('right', v, (w) => this.mainViewer.setView(w, true));
  }

  /** Overlay state of both viewers (tests: the overlay is there and redrawn as patches land). */
  layers(): { main: LayerInfo; compare: LayerInfo | null } {
    return { main: this.mainLayer.info(), compare: this.compareLayer?.info() ?? null };
  }

  /** Resolves when the compare viewer has drawn its view (tests, screenshots). */
  async compareReady(): Promise<void> {
    if (this.compareViewer?.slide) await this.compareViewer.whenFullyLoaded();
  }

  private push(from: V, to: V | null): void {
    const v = from.getView(false);
    if (v && to?.slide) to.setView(v, true);
  }
}
