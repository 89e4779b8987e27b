// Fixed-size block cache in front of a ByteSource, for the many small header/IFD reads.
// Blocks are kept in an lru-cache bounded in bytes; concurrent reads of one block share a request.

import { LRUCache } from 'lru-cache';
import type { ByteSource } from './byte-source';
import { abortError } from './slide-error';

export class BlockCache {
  private blocks: LRUCache<number, Uint8Array>;
  private inFlight = new Map<number, Promise<Uint8Array>>();
  requests = 0;

  constructor(
    readonly source: ByteSource,
    readonly blockSize = 64 * 1024,
    maxBytes = 32 << 20,
  ) {
    this.blocks = new LRUCache<number, Uint8Array>({
      maxSize: Math.max(maxBytes, blockSize),
      sizeCalculation: (b) => Math.max(1, b.byteLength),
    });
  }

  /** Reads through the cache; returns fewer bytes only at end of file. */
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array(0);
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((offset + length - 1) / this.blockSize);
    const parts = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.block(first + i, signal)),
    );
    if (parts.length === 1) {
      const start = offset - first * this.blockSize;
      return parts[0].subarray(start, start + length);
    }
    const out = new Uint8Array(length);
    let filled = 0;
    for (let i = 0; i < parts.length; i++) {
      const blockStart = (first + i) * this.blockSize;
      const from = Math.max(offset, blockStart) - blockStart;
      const to = Math.min(offset + length - blockStart, parts[i].byteLength);
      if (to <= from) break;
      out.set(parts[i].subarray(from, to), filled);
      filled += to - from;
      if (parts[i].byteLength < this.blockSize) break; // end of file
    }
    return filled === length ? out : out.subarray(0, filled);
  }

  private block(index: number, signal?: AbortSignal): Promise<Uint8Array> {
    const hit = this.blocks.get(index);
    if (hit) return Promise.resolve(hit);
    let p = this.inFlight.get(index);
    if (!p) {
      // The shared request is not tied to any one caller's signal: one caller giving up
      // must not fail the others. Callers stop waiting on their own signal below.
      this.requests++;
      p = this.source.read(index * this.blockSize, this.blockSize).then(
        (b) => {
          this.inFlight.delete(index);
          this.blocks.set(index, b);
          return b;
        },
        (e: unknown) => {
          this.inFlight.delete(index);
          throw e;
        },
      );
      this.inFlight.set(index, p);
    }
    if (!signal) return p;
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Whether a block is loaded (not merely requested). */
  has(index: number): boolean {
    return this.blocks.has(index);
  }

  /** Starts loading a block nobody has asked for yet (read-ahead). Its failure is ignored here. */
  prefetch(index: number): void {
    const size = this.source.size;
    if (index < 0 || (size !== null && index * this.blockSize >= size)) return;
    if (this.blocks.has(index) || this.inFlight.has(index)) return;
    this.block(index).catch(() => {});
  }

  /**
   * Starts loading every block of [offset, end) in one request (blocks already there or on their
   * way cut the span short at either end). Its failure is ignored here: a read of one of these
   * blocks then asks again.
   */
  prefetchSpan(offset: number, end: number): void {
    const size = this.source.size;
    const stop = size === null ? end : Math.min(end, size);
    let first = Math.max(0, Math.floor(offset / this.blockSize));
    let last = Math.floor((stop - 1) / this.blockSize);
    const loaded = (i: number) => this.blocks.has(i) || this.inFlight.has(i);
    while (first <= last && loaded(first)) first++;
    while (last >= first && loaded(last)) last--;
    if (first > last) return;
    this.requests++;
    const start = first * this.blockSize;
    const span = this.source.read(start, (last - first + 1) * this.blockSize);
    for (let i = first; i <= last; i++) {
      if (loaded(i)) continue; // a block in the middle already asked for keeps its own request
      const from = (i - first) * this.blockSize;
      const p = span.then(
        (bytes) => {
          this.inFlight.delete(i);
          const b = bytes.subarray(
            Math.min(from, bytes.byteLength),
            Math.min(from + this.blockSize, bytes.byteLength),
          );
          this.blocks.set(i, b);
          return b;
        },
        (e: unknown) => {
          this.inFlight.delete(i);
          throw e;
        },
      );
      p.catch(() => {});
      this.inFlight.set(i, p);
    }
  }

  get bytes(): number {
    return this.blocks.calculatedSize;
  }

  clear(): void {
    this.blocks.clear();
  }
}
