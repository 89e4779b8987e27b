// What is shown and how: the model(s), backend, heatmap style, truth outline, split view and lock.
// One method per user action; each writes its setting and makes exactly the follow-ups it needs
// (redraw, restart viewport runs, restart workers), instead of a diff of the store afterwards.

import { heatmapKey, modelOfKey, splitHeatmapKey } from '../../analysis/heatmap-key';
import type { SequentialColormap } from '../../heatmap/colormap';
import type { BackendChoice } from '../../inference/backend-types';
import type { FlipCount } from '../../inference/flip-count';
import type { SlideViewer } from '../../viewer/viewer-controller';
import { getAnalysis, setAnalysis } from '../analysis-store';
import type { AnalysisExports } from './analysis-exports';
import type { AnalysisRuns } from './analysis-runs';
import type { HeatmapViews } from './heatmap-views';
import type { ModelRuntimes } from './model-runtimes';
import { errorText, type Notify } from './notify';

export type HeatmapStyle = Partial<{
  colormap: SequentialColormap;
  opacity: number;
  threshold: number;
  outline: boolean;
}>;

export interface DisplayParts {
  models: Pick<ModelRuntimes, 'loadModels' | 'defaultPair' | 'stopAll'>;
  runs: Pick<AnalysisRuns<SlideViewer>, 'cancelViewport' | 'scheduleViewport'>;
  views: Pick<
    HeatmapViews<SlideViewer>,
    'updateMainVisibility' | 'refresh' | 'setCompareView' | 'setLock' | 'rightViewer'
  >;
  exports: Pick<AnalysisExports, 'publishStats'>;
  hasTruth(): boolean;
  hasSlide(): boolean;
  mainViewer: SlideViewer;
  notify: Notify;
}

export class AnalysisDisplay {
  constructor(private readonly p: DisplayParts) {}

  setBackend(backend: BackendChoice): void {
    if (getAnalysis().backend === backend) return;
    setAnalysis({ backend });
    this.p.models.stopAll(); // workers restart on the new backend
    this.reshow();
  }

  /** Inference tile edge (target px) for every model; null: each model's default. */
  setTileSize(tileSize: number | null): void {
    if (getAnalysis().tileSize === tileSize) return;
    setAnalysis({ tileSize });
    this.p.models.stopAll(); // workers reload the tile's graph; stores of the old tile are replaced
    this.reshow();
  }

  /** Test-time flip averaging for every model; null: each card's default. The workers stay: it is per batch. */
  setFlips(flips: FlipCount | null): void {
    if (getAnalysis().flips === flips) return;
    setAnalysis({ flips });
    this.reshow(); // the shown heatmaps are computed again (their stores are replaced: result-cache.ts)
  }

  setModel(model: string): void {
    this.switchModel('model', model);
  }

  setRightModel(model: string): void {
    this.switchModel('right', model);
  }

  /**
   * Shows output channel `channel` of the shown model(s) (both sides in the split view, each that
   * has it); throws naming the channels when the main model has no such channel.
   */
  setChannel(channel: string): void {
    const a = getAnalysis();
    if (!a.model) throw new Error('No model chosen; pick a model first.');
    const left = heatmapKey(a.model, channel, this.cardOf(a.model));
    this.switchModel('model', left, false);
    const right = a.right;
    const rightCard = right ? this.cardOf(right) : null;
    if (right && rightCard?.output.channels.some((c) => c.name === channel))
      this.switchModel('right', heatmapKey(right, channel, rightCard), false);
  }

  /** The channel the main side shows (null when no model). */
  channel(): string | null {
    const a = getAnalysis();
    if (!a.model) return null;
    return splitHeatmapKey(a.model).channel ?? this.cardOf(a.model)?.output.tumourChannel ?? null;
  }

  private cardOf(key: string) {
    return getAnalysis().models.find((m) => m.id === modelOfKey(key))?.card ?? null;
  }

  setStyle(style: HeatmapStyle): void {
    setAnalysis(style);
    this.p.views.refresh();
    // tumour area and Dice/IoU are counted at the threshold
    if (style.threshold !== undefined) for (const m of this.shownIds()) this.p.exports.publishStats(m, true);
  }

  setShowTruth(showTruth: boolean): void {
    setAnalysis({ showTruth });
    this.p.views.updateMainVisibility(this.p.hasTruth());
    this.p.views.refresh();
  }

  setDifference(difference: boolean): void {
    setAnalysis({ difference });
    this.p.views.refresh();
  }

  setLock(lock: boolean): void {
    setAnalysis({ lock });
    this.p.views.setLock(lock);
  }

  setPanelOpen(panelOpen: boolean): void {
    setAnalysis({ panelOpen });
  }

  setHeatmapVisible(visible: boolean): void {
    if (visible && !getAnalysis().model) {
      void this.p.models
        .loadModels()
        .then(() => this.setHeatmapVisible(true))
        .catch((e) => this.p.notify('error', `No models: ${errorText(e)}`));
      return;
    }
    setAnalysis({ heatmapVisible: visible });
    // a key press, not a pan: no debounce before the view's run (press-h: 350-450 ms of the wait)
    this.reshow(visible ? 0 : undefined);
  }

  toggleHeatmap(): void {
    this.setHeatmapVisible(!getAnalysis().heatmapVisible);
  }

  /** Split view with `left` and `right` models (defaults: U-Net left, MRN right). */
  async setCompare(on: boolean, models: { left?: string; right?: string } = {}): Promise<void> {
    if (!on) {
      const right = getAnalysis().right;
      setAnalysis({ compare: false });
      if (right) this.p.runs.cancelViewport(right);
      await this.p.views.setCompareView(false);
      this.reshow();
      return;
    }
    const [left, right] = await this.p.models.defaultPair();
    const a = getAnalysis();
    const model = models.left ?? left ?? a.model;
    const rightModel = models.right ?? right ?? a.right;
    if (a.model && a.model !== model) this.p.runs.cancelViewport(a.model);
    if (a.right && a.right !== rightModel) this.p.runs.cancelViewport(a.right);
    setAnalysis({ model, right: rightModel, compare: true });
    this.reshow();
    await this.p.views.setCompareView(true);
    this.reshow();
  }

  /** After what is shown changed: overlays, viewport runs and the stats of the shown models. */
  reshow(delayMs?: number): void {
    this.p.views.updateMainVisibility(this.p.hasTruth());
    this.p.views.refresh();
    this.p.runs.scheduleViewport(delayMs);
    for (const m of [getAnalysis().model, getAnalysis().right]) if (m) this.p.exports.publishStats(m, true);
  }

  /** The models shown now: the main one, and the right one in the split view. */
  shownIds(): string[] {
    const a = getAnalysis();
    return [a.model, a.compare ? a.right : null].filter((m): m is string => !!m);
  }

  /** Models to analyse live, with the viewer each one is shown in. */
  shown(): { model: string; viewer: SlideViewer }[] {
    const a = getAnalysis();
    const right = this.p.views.rightViewer;
    if (!this.p.hasSlide()) return [];
    const out: { model: string; viewer: SlideViewer }[] = [];
    if (a.model && (a.heatmapVisible || right)) out.push({ model: a.model, viewer: this.p.mainViewer });
    if (a.right && right) out.push({ model: a.right, viewer: right });
    return out;
  }

  private switchModel(side: 'model' | 'right', given: string, keepChannel = true): void {
    const prev = getAnalysis()[side];
    // another model, named by its id: it keeps the channel shown when it has one of that name
    let model = given;
    const prevChannel = prev ? splitHeatmapKey(prev).channel : null;
    const card = this.cardOf(given);
    const other = prev !== null && modelOfKey(prev) !== given;
    if (
      keepChannel &&
      other &&
      prevChannel &&
      modelOfKey(given) === given &&
      card?.output.channels.some((c) => c.name === prevChannel)
    )
      model = heatmapKey(given, prevChannel, card);
    if (prev === model) return;
    if (prev) this.p.runs.cancelViewport(prev);
    setAnalysis({ [side]: model });
    this.reshow();
  }
}
