// Batch results (`npm run batch`) opened over the open slide: each model's stored probability store
// becomes that model's store for the slide, shown as its heatmap layer, with no recomputation:
// live viewport runs skip a model whose store came from a batch, and its stats name the batch's
// backend; its stored regions (regions.geojson) are drawn as an outline over it. The stored
// summary's numbers go to analysisStore.batchResults for the panel and the API.
// Clearing the model's heatmap forgets the batch store, so the viewer's own analysis starts afresh.

import { groundTruthFromAnnotations } from '../../analysis/ground-truth';
import { parseAnnotations } from '../../annotations/parse-annotations';
import { type BatchResult, readBatchFiles, readBatchResultsUrl } from '../../heatmap/batch-result';
import type { Sampler } from '../../heatmap/tile-renderer';
import type { SlideMetadata } from '../../slide/slide-types';
import { getAnalysis, type StoredResultInfo, setAnalysis } from '../analysis-store';
import { getState } from '../app-store';
import { readUrlState, writeResultsParam } from '../url-state';
import { errorText, type Notify } from './notify';
import type { SlideContext } from './slide-context';

export interface BatchResultHooks {
  context(): SlideContext;
  /** the open slide's context, null when none (to see that the slide changed meanwhile) */
  current(): SlideContext | null;
  /** model ids the app knows (a results URL may be one model's folder) */
  knownModels(): Promise<string[]>;
  notify: Notify;
  /** stops the model's runs before its store is replaced */
  cancelModel(modelId: string): void;
  /** shows the model's heatmap in the main viewer */
  show(modelId: string): void;
  /** the model's store changed: redraw, publish stats */
  changed(modelId: string): void;
}

/** Slides in the manifest and in the viewer are the same one when their level-0 size is. */
function checkSlide(r: BatchResult, ctx: SlideContext): string[] {
  const s = r.manifest.slide;
  const m = ctx.metadata;
  if (s.width !== m.width || s.height !== m.height)
    throw new Error(
      `The batch result in ${r.from} is of ${s.name} (${s.width}×${s.height} px); the open slide ${m.name} is ${m.width}×${m.height} px.`,
    );
  const notes: string[] = [];
  const mpp = r.store.info.slideMpp;
  if (Math.abs(mpp - ctx.mpp) > 1e-6 * mpp)
    notes.push(
      `The batch analysed ${s.name} at ${mpp} µm/px; the viewer uses ${ctx.mpp} µm/px. The stored heatmap is drawn at the batch's.`,
    );
  return notes;
}

/** A slide's output name in the batch: its file name without the extension(s). */
const stemOf = (name: string) => name.replace(/\.ome\.(tiff?|tf8|btf)$/i, '').replace(/\.[^./]+$/, '');

/**
 * The results that belong to the open slide, when results of several slides came together (a
 * whole output folder dropped): those of its size, and of its name when several sizes match.
 */
export function resultsForSlide(results: BatchResult[], meta: SlideMetadata): BatchResult[] {
  const slides = new Set(results.map((r) => r.manifest.slide.name));
  if (slides.size <= 1) return results;
  const sized = results.filter(
    (r) => r.manifest.slide.width === meta.width && r.manifest.slide.height === meta.height,
  );
  const named = sized.filter(
    (r) => r.manifest.slide.name.replace(/-[0-9a-f]{8}$/, '') === stemOf(meta.name).replace(/[^\w.-]+/g, '_'),
  );
  const pick = named.length ? named : sized;
  if (new Set(pick.map((r) => r.manifest.slide.name)).size !== 1)
    throw new Error(
      `These batch results are of ${slides.size} slides (${[...slides].slice(0, 3).join(', ')}…) and none, or several, match ${meta.name}; open its own folder.`,
    );
  return pick;
}

/** regions.geojson rasterised over the slide by the one rasteriser (as ground truth is). */
function regionsSampler(r: BatchResult, ctx: SlideContext, notes: string[]): Sampler | null {
  if (r.regions.features.length === 0) return null;
  try {
    const name = `${r.manifest.slide.name} ${r.manifest.model.id} regions`;
    const set = parseAnnotations(JSON.stringify(r.regions), 'regions.geojson');
    return set.regions.length ? groundTruthFromAnnotations(set, ctx.metadata, name).sampler : null;
  } catch (e) {
    notes.push(`The stored regions of ${r.manifest.model.id} could not be drawn: ${(e as Error).message}`);
    return null;
  }
}

export function storedInfo(r: BatchResult): StoredResultInfo {
  const s = r.summary;
  return {
    model: r.manifest.model.id,
    modelName: r.manifest.model.name,
    slide: r.manifest.slide.name,
    from: r.from,
    tumourAreaMm2: s.tumourAreaMm2,
    analysedAreaMm2: s.analysedAreaMm2,
    patches: s.patches,
    backend: s.backend,
    elapsedMs: s.elapsedMs,
    threshold: r.manifest.threshold,
    regions: r.regions.features.length,
    dice: s.metrics?.dice ?? null,
    iou: s.metrics?.iou ?? null,
    createdAt: r.manifest.createdAt,
  };
}

export class BatchResults {
  /** per slide context: the models whose store came from a batch */
  private readonly stored = new WeakMap<SlideContext, Map<string, BatchResult>>();
  /** per slide context: the stored regions of each model, rasterised for the outline */
  private readonly regions = new WeakMap<SlideContext, Map<string, Sampler | null>>();

  constructor(private readonly hooks: BatchResultHooks) {}

  /**
   * Opens batch results over the open slide: a results URL (…/<slide-name>/ or one model's folder)
   * or dropped files (their result folders). Shows the stored heatmaps; nothing is recomputed.
   */
  async open(input: string | File[] | BatchResult[], signal?: AbortSignal): Promise<StoredResultInfo[]> {
    const ctx = this.hooks.context();
    let results: BatchResult[];
    if (typeof input === 'string') {
      const knownModels = await this.hooks.knownModels();
      results = await readBatchResultsUrl(input, { knownModels, signal });
    } else if (input.length > 0 && input[0] instanceof File) results = await readBatchFiles(input as File[]);
    else results = input as BatchResult[];
    if (ctx !== this.hooks.current()) throw new Error('The slide changed while its results were read.');
    const { shown, notes } = await this.load(resultsForSlide(results, ctx.metadata));
    if (notes.length) this.hooks.notify('warning', notes.join(' '));
    return shown;
  }

  /** The deep link's `&results=` over the slide it opened (errors go to the notice); null without one. */
  openFromUrl(): Promise<StoredResultInfo[] | null> | null {
    const url = readUrlState().results;
    if (!url || getState().status !== 'ready') return null;
    return this.open(url).then(
      (shown) => {
        writeResultsParam(url);
        return shown;
      },
      (e) => {
        this.hooks.notify('error', `The batch results at ${url} could not be opened: ${errorText(e)}`);
        return null;
      },
    );
  }

  /** Puts the results' stores in place of the models' stores and shows the first. Returns notes. */
  async load(results: BatchResult[]): Promise<{ shown: StoredResultInfo[]; notes: string[] }> {
    const ctx = this.hooks.context();
    if (results.length === 0) throw new Error('No batch results to open.');
    const ids = results.map((r) => r.manifest.model.id);
    if (new Set(ids).size !== ids.length)
      throw new Error(`Batch results of one model twice (${ids.join(', ')}); open one folder per model.`);
    const notes = results.flatMap((r) => checkSlide(r, ctx));
    const mine = this.stored.get(ctx) ?? new Map<string, BatchResult>();
    this.stored.set(ctx, mine);
    const outlines = this.regions.get(ctx) ?? new Map<string, Sampler | null>();
    this.regions.set(ctx, outlines);
    const infos = { ...getAnalysis().batchResults };
    for (const r of results) {
      const id = r.manifest.model.id;
      this.hooks.cancelModel(id);
      // a restore from IndexedDB still in flight would otherwise land over the stored result
      await ctx.pendingStores.get(id)?.catch(() => null);
      ctx.pendingStores.delete(id);
      ctx.stores.set(id, r.store);
      mine.set(id, r);
      outlines.set(id, regionsSampler(r, ctx, notes));
      infos[id] = storedInfo(r);
    }
    setAnalysis({ batchResults: infos });
    this.hooks.show(ids[0]);
    for (const id of ids) this.hooks.changed(id);
    return { shown: ids.map((id) => infos[id]), notes };
  }

  /** Whether the model's store for the open slide came from a batch (viewport runs leave it). */
  isStored(ctx: SlideContext | null, modelId: string): boolean {
    return !!ctx && (this.stored.get(ctx)?.has(modelId) ?? false);
  }

  /** The model's stored regions as a sampler (1 inside), for the outline; null when none. */
  regionsOf(ctx: SlideContext | null, modelId: string): Sampler | null {
    return (ctx && this.regions.get(ctx)?.get(modelId)) ?? null;
  }

  /** The backend the batch ran on, for the model's stats. */
  backendOf(ctx: SlideContext | null, modelId: string): string | null {
    return (ctx && this.stored.get(ctx)?.get(modelId)?.summary.backend) ?? null;
  }

  /** Forgets the model's batch store (its heatmap is cleared): the next run starts a fresh store. */
  forget(ctx: SlideContext, modelId: string): void {
    if (!this.stored.get(ctx)?.delete(modelId)) return;
    this.regions.get(ctx)?.delete(modelId);
    ctx.stores.delete(modelId);
    const infos = { ...getAnalysis().batchResults };
    delete infos[modelId];
    setAnalysis({ batchResults: infos });
  }
}
