// Decoded-tile cache: an lru-cache bounded in bytes, with promise sharing for tiles being read.
// A read shared by several requesters is aborted only when every one of them has given up.

import { LRUCache } from 'lru-cache';
import { abortError } from './slide-error';
import type { RgbaImage } from './slide-types';

export interface TileCacheStats {
  hits: number;
  misses: number;
  /** bytes of decoded RGBA held */
  bytes: number;
  /** tiles held */
  tiles: number;
  /** tiles decoded (or built, for synthetic levels) since opening */
  decodedTiles: number;
  /** total time spent decoding and building tiles, ms */
  decodeMs: number;
  /** reads in progress */
  inFlight: number;
  /** shared reads aborted because every requester cancelled */
  aborted: number;
}

interface Pending {
  promise: Promise<RgbaImage>;
  controller: AbortController;
  refs: number;
}

export class TileCache {
  private lru: LRUCache<string, RgbaImage>;
  private pending = new Map<string, Pending>();
  private counts = { hits: 0, misses: 0, decodedTiles: 0, decodeMs: 0, aborted: 0 };

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, RgbaImage>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (img) => Math.max(1, img.data.byteLength),
    });
  }

  /** Records work done by a loader (decode or synthetic build time). */
  noteDecode(ms: number): void {
    this.counts.decodedTiles++;
    this.counts.decodeMs += ms;
  }

  /** Whether a decoded tile is cached (not counted as a hit or miss). */
  has(key: string): boolean {
    return this.lru.has(key);
  }

  get(
    key: string,
    load: (signal: AbortSignal) => Promise<RgbaImage>,
    signal?: AbortSignal,
  ): Promise<RgbaImage> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const hit = this.lru.get(key);
    if (hit) {
      this.counts.hits++;
      return Promise.resolve(hit);
    }
    let entry = this.pending.get(key);
    if (entry) {
      this.counts.hits++;
    } else {
      this.counts.misses++;
      const controller = new AbortController();
      const promise = load(controller.signal).then(
        (img) => {
          if (this.pending.get(key) === entry) this.pending.delete(key);
          // Tiles larger than the whole cache are returned but not kept.
          if (img.data.byteLength <= this.lru.maxSize) this.lru.set(key, img);
          return img;
        },
        (e: unknown) => {
          if (this.pending.get(key) === entry) this.pending.delete(key);
          throw e;
        },
      );
      promise.catch(() => {}); // rejection is delivered to requesters; never unhandled
      entry = { promise, controller, refs: 0 };
      this.pending.set(key, entry);
    }
    const e = entry;
    e.refs++;
    if (!signal) return e.promise;
    return new Promise<RgbaImage>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        e.refs--;
        if (e.refs === 0 && this.pending.get(key) === e) {
          this.pending.delete(key);
          this.counts.aborted++;
          e.controller.abort();
        }
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      e.promise.then(
        (v) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  stats(): TileCacheStats {
    return {
      ...this.counts,
      bytes: this.lru.calculatedSize,
      tiles: this.lru.size,
      inFlight: this.pending.size,
    };
  }

  clear(): void {
    for (const p of this.pending.values()) p.controller.abort();
    this.pending.clear();
    this.lru.clear();
  }
}
