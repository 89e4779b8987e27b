// The probability store of each model for the open slide: in memory, else restored from IndexedDB,
// else new; saved back (debounced during viewport runs, at once after explicit ones). All storage
// goes through heatmap/result-persistence.ts.

import { cellKey, type ProvisionalCells } from '../../analysis/cascade';
import { marginOf, type PatchGeometry } from '../../geometry/patch-geometry';
import { ProbabilityStore, type StoreInfo } from '../../heatmap/probability-store';
import {
  deleteResult,
  loadResult,
  openResultsDb,
  type ResultsDb,
  resultKey,
  saveResult,
} from '../../heatmap/result-persistence';
import type { FlipCount } from '../../inference/flip-count';
import { errorText, type Notify } from './notify';
import type { SlideContext } from './slide-context';

const SAVE_DEBOUNCE_MS = 1500;

export class ResultCache {
  private db: Promise<ResultsDb | null> | null = null;
  private readonly saveTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /**
   * Per store, the cells that show a cascade screen's values until the model refines them. They
   * are not the model's result, so they are never saved: after a reload they are planned again.
   */
  private readonly provisional = new WeakMap<ProbabilityStore, ProvisionalCells>();

  constructor(
    /** the model's version (its card's exportedAt): results of another version are not restored */
    private readonly versionOf: (modelId: string) => Promise<string>,
    private readonly notify: Notify,
    private readonly openDb: () => Promise<ResultsDb> = () => openResultsDb(),
  ) {}

  /** The model's store for the slide: in memory, else restored from IndexedDB, else new. */
  store(
    ctx: SlideContext,
    modelId: string,
    g: PatchGeometry,
    flips: FlipCount = 1,
  ): Promise<ProbabilityStore> {
    const fits = (s: ProbabilityStore) =>
      s.info.targetSize === g.targetSize && s.info.margin === marginOf(g) && (s.info.flips ?? 1) === flips;
    const have = ctx.stores.get(modelId);
    if (have && fits(have)) return Promise.resolve(have);
    if (have) {
      // another inference tile size (its cells do not stitch with these) or flip averaging: afresh
      ctx.stores.delete(modelId);
      ctx.pendingStores.delete(modelId);
    }
    let pending = ctx.pendingStores.get(modelId);
    if (!pending) {
      pending = (async () => {
        const info: StoreInfo = {
          modelId,
          targetMpp: g.targetMpp,
          slideMpp: ctx.mpp,
          targetSize: g.targetSize,
          margin: marginOf(g),
          flips,
        };
        const store = (await this.restore(ctx, modelId, info)) ?? new ProbabilityStore(info);
        if (!ctx.signal.aborted) ctx.stores.set(modelId, store);
        return store;
      })();
      ctx.pendingStores.set(modelId, pending);
    }
    return pending;
  }

  /** The store's provisional cells (created empty on first ask). */
  provisionalCells(store: ProbabilityStore): ProvisionalCells {
    let cells = this.provisional.get(store);
    if (!cells) {
      cells = new Set();
      this.provisional.set(store, cells);
    }
    return cells;
  }

  /** Saves the model's store (its provisional cells left out): now (resolves when written) or debounced. */
  async save(ctx: SlideContext, modelId: string, immediately = false): Promise<void> {
    clearTimeout(this.saveTimers.get(modelId));
    const save = async () => {
      this.saveTimers.delete(modelId);
      const store = ctx.stores.get(modelId);
      if (!store || store.cellCount === 0) return;
      try {
        const where = await this.where(ctx, modelId);
        const provisional = this.provisional.get(store);
        const omit = provisional?.size ? (c: number, r: number) => provisional.has(cellKey(c, r)) : undefined;
        if (where) await saveResult(where.db, where.fingerprint, where.key, store, omit);
      } catch (e) {
        this.notify('warning', `Could not save the ${modelId} heatmap in this browser: ${errorText(e)}`);
      }
    };
    if (immediately) await save();
    else
      this.saveTimers.set(
        modelId,
        setTimeout(() => void save(), SAVE_DEBOUNCE_MS),
      );
  }

  /** Forgets a model's results for the slide (memory and IndexedDB). */
  async clear(ctx: SlideContext, modelId: string): Promise<void> {
    clearTimeout(this.saveTimers.get(modelId));
    this.saveTimers.delete(modelId);
    ctx.stores.get(modelId)?.clear();
    const where = await this.where(ctx, modelId);
    if (where) await deleteResult(where.db, where.fingerprint, where.key);
  }

  private async restore(
    ctx: SlideContext,
    modelId: string,
    info: StoreInfo,
  ): Promise<ProbabilityStore | null> {
    try {
      const where = await this.where(ctx, modelId);
      return where ? ((await loadResult(where.db, where.fingerprint, where.key, info))?.store ?? null) : null;
    } catch {
      return null; // no IndexedDB (private mode) or a broken record: compute again
    }
  }

  private async where(ctx: SlideContext, modelId: string) {
    this.db ??= this.openDb().catch(() => null);
    const [db, fingerprint, version] = await Promise.all([this.db, ctx.fingerprint, this.versionOf(modelId)]);
    return db && fingerprint ? { db, fingerprint, key: resultKey(modelId, version) } : null;
  }
}
