// Local files read in chunks: a tile read fetches the 1 MiB chunk around it into an LRU, so the
// tiles of a view (stored next to each other) cost one file read between them instead of one
// each. A read of a File/Blob costs a round trip to the browser process (~0.7 ms here) plus
// ~2.5 ms per MB: 1 MiB pays off once 4 tiles of a chunk are used, which a view's row of tiles
// does even on wide slides. (4 MiB chunks made the spread-out tiles of `npm run bench -- tiles`
// faster, 1.6 against 2.1 ms per demo tile, but would read 4 MB for each 6-tile row of a
// viewport on a wide slide.) Reading runs ahead: a miss right after the chunk before it also
// starts on the next chunk, so sequential reading (a row of tiles, a scan) overlaps its file reads
// with decoding. Remote sources keep one range request per tile.

import { BlockCache } from './block-cache';
import type { ByteSource } from './byte-source';

export class ChunkedSource implements ByteSource {
  private readonly chunks: BlockCache;

  constructor(
    private readonly inner: ByteSource,
    readonly chunkSize = 1 << 20,
    maxBytes = 32 << 20,
  ) {
    this.chunks = new BlockCache(inner, chunkSize, maxBytes);
    const slice = inner.slice?.bind(inner);
    if (slice) this.slice = slice;
  }

  readonly slice?: (offset: number, end: number) => Blob;

  get name(): string {
    return this.inner.name;
  }

  get size(): number | null {
    return this.inner.size;
  }

  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    // a read as large as a chunk gains nothing from one
    if (length > this.chunkSize / 2) return this.inner.read(offset, length, signal);
    const first = Math.floor(offset / this.chunkSize);
    const last = Math.floor((offset + Math.max(1, length) - 1) / this.chunkSize);
    const sequential = !this.chunks.has(last) && this.chunks.has(first - 1);
    const bytes = this.chunks.read(offset, length, signal);
    if (sequential) this.chunks.prefetch(last + 1);
    return bytes;
  }

  close(): void {
    this.chunks.clear();
    this.inner.close();
  }
}
