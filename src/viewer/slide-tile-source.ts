// OpenSeadragon tile source over a ViewerSlide. OSD levels map 1:1 onto the reader's levels
// (native and synthetic), finest last; getLevelScale/getNumTiles/getTileWidth are per level, so the
// pyramid does not have to be power-of-two. Tiles load through the worker (OSD 6 downloadTileStart),
// every job carries an AbortController so reads that leave the view can be cancelled.

import OpenSeadragon from 'openseadragon';
import type { RgbaImage, SlideLevel } from '../slide/slide-types';
import { abortError, isAbortError } from '../util/abort';
import { errorMessage } from '../util/error-message';
import { errorCode, type ViewerSlide } from './viewer-slide';

export interface TileCounters {
  requested: number;
  loaded: number;
  cancelled: number;
  failed: number;
  retried: number;
  inFlight: number;
}

export const emptyCounters = (): TileCounters => ({
  requested: 0,
  loaded: 0,
  cancelled: 0,
  failed: 0,
  retried: 0,
  inFlight: 0,
});

interface TileCoord {
  level: number;
  x: number;
  y: number;
}

interface JobState {
  controller: AbortController;
  cancelled: boolean;
}

/** Marker message so the controller can tell a cancellation from a real failure. */
export const CANCELLED_MESSAGE = 'mrn:cancelled';

const TRANSIENT_CODES = new Set(['network', 'timeout']);
/** a batched first view still shows what has arrived this often (slow links) */
export const BATCH_FLUSH_MS = 150;
const RETRY_DELAYS_MS = [400, 1500];

let nextSourceId = 1;

/** OSD calls a job's callback on every finish/fail, so complete a job only while it is still open. */
function isOpen(job: OpenSeadragon.ImageJob): boolean {
  return !!job.jobId;
}

export interface SlideTileSourceEvents {
  /** a tile failed for good (after retries); message is the reader's */
  onTileError?(message: string, code: string | null): void;
  /** a tile loaded (after a failure, lets the UI clear its warning) */
  onTileLoaded?(): void;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(abortError(signal));
      },
      { once: true },
    );
  });
}

async function toBitmap(tile: ImageBitmap | RgbaImage): Promise<ImageBitmap> {
  if (typeof ImageBitmap !== 'undefined' && tile instanceof ImageBitmap) return tile;
  const rgba = tile as RgbaImage;
  const data = new Uint8ClampedArray(rgba.data.buffer as ArrayBuffer, rgba.data.byteOffset, rgba.data.length);
  return createImageBitmap(new ImageData(data, rgba.width, rgba.height));
}

export class SlideTileSource extends OpenSeadragon.TileSource {
  readonly slide!: ViewerSlide;
  readonly counters = emptyCounters();
  private readonly readerLevels!: SlideLevel[];
  private readonly sourceId = nextSourceId++;
  private readonly jobs = new Map<OpenSeadragon.ImageJob, JobState>();
  private readonly events: SlideTileSourceEvents;
  private deferFor: OpenSeadragon.TiledImage | null = null;
  private readonly deferred: OpenSeadragon.ImageJob[] = [];
  private batchFor: OpenSeadragon.TiledImage | null = null;
  private readonly batched: { job: OpenSeadragon.ImageJob; bitmap: ImageBitmap }[] = [];
  private batchTimer: ReturnType<typeof setTimeout> | null = null;
  /** batches handed to OSD so far */
  private flushes = 0;

  constructor(slide: ViewerSlide, events: SlideTileSourceEvents = {}) {
    const m = slide.metadata;
    super({
      width: m.width,
      height: m.height,
      tileWidth: m.levels[0].tileWidth,
      tileHeight: m.levels[0].tileHeight,
      tileOverlap: 0,
      minLevel: 0,
      maxLevel: m.levels.length - 1,
      ready: true,
    });
    this.slide = slide;
    this.readerLevels = m.levels;
    this.events = events;
  }

  /** OSD level (coarsest 0) → reader level (finest 0). */
  readerLevel(osdLevel: number): number {
    return this.readerLevels.length - 1 - osdLevel;
  }

  /** reader level (finest 0) → OSD level (coarsest 0). */
  osdLevel(readerLevel: number): number {
    return this.readerLevels.length - 1 - readerLevel;
  }

  private level(osdLevel: number): SlideLevel {
    return this.readerLevels[this.readerLevel(osdLevel)];
  }

  override getLevelScale(level: number): number {
    const l = this.readerLevels?.[this.readerLevels.length - 1 - level];
    return l ? 1 / l.downsample : 0;
  }

  override getTileWidth(level: number): number {
    return this.readerLevels ? this.level(level).tileWidth : super.getTileWidth(level);
  }

  override getTileHeight(level: number): number {
    return this.readerLevels ? this.level(level).tileHeight : super.getTileHeight(level);
  }

  override getNumTiles(level: number): OpenSeadragon.Point {
    const l = this.level(level);
    return new OpenSeadragon.Point(Math.ceil(l.width / l.tileWidth), Math.ceil(l.height / l.tileHeight));
  }

  override getTileUrl(level: number, x: number, y: number): string {
    // Only an identity for OSD's cache keys; nothing is fetched from it.
    return `mrn-slide://${this.sourceId}/${this.readerLevel(level)}/${x}_${y}`;
  }

  override getTilePostData(level: number, x: number, y: number): TileCoord {
    return { level, x, y };
  }

  override hasTransparency(): boolean {
    return false;
  }

  /**
   * While set, jobs for any other item on this source (the navigator's) wait, and start once it is
   * cleared: the first view's tiles go first (viewer-controller.ts holdFirstView).
   */
  deferOthers(item: OpenSeadragon.TiledImage | null): void {
    this.deferFor = item;
    if (item) return;
    const waiting = this.deferred.splice(0);
    for (const job of waiting) if (isOpen(job)) this.downloadTileStart(job);
  }

  /**
   * While set, that item's finished tiles are handed to OSD together: when none of its reads is
   * left in flight, or BATCH_FLUSH_MS after the first one waited, whichever comes first. OSD then
   * draws the first view once instead of once per tile (each draw clears and repaints the whole
   * canvas, in software on machines without a GPU). Clearing it hands over what waits.
   */
  batchTiles(item: OpenSeadragon.TiledImage | null): void {
    this.batchFor = item;
    if (!item) this.flushBatch();
  }

  /** Whether tiles are being batched (batchTiles). */
  get batching(): boolean {
    return this.batchFor !== null;
  }

  /** Batches handed to OSD so far: when it changed, OSD has something new to draw. */
  get batchesFlushed(): number {
    return this.flushes;
  }

  /**
   * While batching: a count that changes whenever OSD has something new to see for `item` (a batch
   * handed over, or none of its reads left in flight: -1); null when not batching.
   */
  batchState(item: OpenSeadragon.TiledImage): number | null {
    if (!this.batchFor) return null;
    return this.inFlightFor(item) ? this.flushes : -1;
  }

  private inFlightFor(item: OpenSeadragon.TiledImage): boolean {
    for (const job of this.jobs.keys()) if (job.tile?.tiledImage === item) return true;
    return false;
  }

  private flushBatch(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    if (this.batched.length > 0) this.flushes++;
    for (const { job, bitmap } of this.batched.splice(0)) this.finishJob(job, bitmap);
  }

  private finishJob(job: OpenSeadragon.ImageJob, bitmap: ImageBitmap): void {
    if (!isOpen(job)) {
      // OSD gave up on it (its own timeout, or it left the view while it waited in a batch)
      bitmap.close();
      return;
    }
    this.counters.loaded++;
    this.events.onTileLoaded?.();
    job.finish(bitmap, null, 'imageBitmap');
  }

  /** A finished tile: to OSD now, or into the batch (batchTiles). */
  private deliver(job: OpenSeadragon.ImageJob, bitmap: ImageBitmap): void {
    const item = this.batchFor;
    if (!item || job.tile?.tiledImage !== item) {
      this.finishJob(job, bitmap);
      return;
    }
    this.batched.push({ job, bitmap });
    if (!this.inFlightFor(item)) this.flushBatch();
    else this.batchTimer ??= setTimeout(() => this.flushBatch(), BATCH_FLUSH_MS);
  }

  override downloadTileStart(job: OpenSeadragon.ImageJob): void {
    if (this.deferFor && job.tile?.tiledImage !== this.deferFor) {
      this.deferred.push(job);
      return;
    }
    const coord = job.postData as unknown as TileCoord;
    const state: JobState = { controller: new AbortController(), cancelled: false };
    this.jobs.set(job, state);
    this.counters.requested++;
    this.counters.inFlight++;
    void this.load(job, coord, state);
  }

  override downloadTileAbort(job: OpenSeadragon.ImageJob): void {
    const waiting = this.deferred.indexOf(job);
    if (waiting >= 0) this.deferred.splice(waiting, 1);
    // OSD calls job.fail itself right after this, so only stop the read here.
    const state = this.jobs.get(job);
    if (state) this.cancelJob(job, state, false);
  }

  private async load(job: OpenSeadragon.ImageJob, coord: TileCoord, state: JobState): Promise<void> {
    const signal = state.controller.signal;
    const request = { level: this.readerLevel(coord.level), x: coord.x, y: coord.y, signal };
    try {
      let attempt = 0;
      for (;;) {
        try {
          const tile = await this.slide.getTile(request);
          const bitmap = await toBitmap(tile);
          if (state.cancelled) {
            bitmap.close();
            return;
          }
          this.settle(job);
          this.deliver(job, bitmap);
          return;
        } catch (e) {
          if (state.cancelled || isAbortError(e)) throw e;
          const code = errorCode(e);
          const transient =
            (code !== null && TRANSIENT_CODES.has(code)) ||
            /network|fetch|timed? ?out/i.test(errorMessage(e));
          if (!transient || attempt >= RETRY_DELAYS_MS.length) throw e;
          this.counters.retried++;
          await sleep(RETRY_DELAYS_MS[attempt++], signal);
        }
      }
    } catch (e) {
      if (state.cancelled || isAbortError(e)) {
        if (!state.cancelled) this.cancelJob(job, state);
        return;
      }
      this.settle(job);
      this.counters.failed++;
      this.events.onTileError?.(errorMessage(e), errorCode(e));
      if (isOpen(job)) job.fail(errorMessage(e), null);
    }
  }

  private settle(job: OpenSeadragon.ImageJob): void {
    if (this.jobs.delete(job)) this.counters.inFlight--;
  }

  private cancelJob(job: OpenSeadragon.ImageJob, state: JobState, notify = true): void {
    if (state.cancelled) return;
    state.cancelled = true;
    state.controller.abort();
    this.settle(job);
    this.counters.cancelled++;
    // Let OSD free the job slot; the controller re-arms the tile (OSD marks failed tiles as missing).
    if (notify && isOpen(job)) job.fail(CANCELLED_MESSAGE, null);
  }

  /** Cancels in-flight reads whose tile `wanted` rejects (it left the view or the zoom moved on). */
  cancelWhere(unwanted: (tile: OpenSeadragon.Tile) => boolean): number {
    let n = 0;
    for (const [job, state] of [...this.jobs]) {
      if (job.tile && unwanted(job.tile)) {
        this.cancelJob(job, state);
        n++;
      }
    }
    return n;
  }

  /** Cancels everything (slide closed). */
  cancelAll(): void {
    this.deferFor = null;
    this.deferred.length = 0;
    this.batchFor = null;
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    for (const { bitmap } of this.batched.splice(0)) bitmap.close();
    this.cancelWhere(() => true);
  }
}
