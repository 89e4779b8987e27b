// Local files read in large chunks: a tile read fetches the 4 MiB chunk around it into an LRU,
// so the tiles of a view (stored next to each other) cost one file read between them instead of
// one each. Each read of a File/Blob is a round trip to the browser process (~0.6 ms here), more
// than decoding a 256² JPEG tile natively. Remote sources keep one range request per tile.

import { BlockCache } from './block-cache';
import type { ByteSource } from './byte-source';

export class ChunkedSource implements ByteSource {
  private readonly chunks: BlockCache;

  constructor(
    private readonly inner: ByteSource,
    readonly chunkSize = 4 << 20,
    maxBytes = 64 << 20,
  ) {
    this.chunks = new BlockCache(inner, chunkSize, maxBytes);
  }

  get name(): string {
    return this.inner.name;
  }

  get size(): number | null {
    return this.inner.size;
  }

  /** file reads made so far (chunks, plus large reads that bypass them) */
  get reads(): number {
    return this.chunks.requests + this.direct;
  }

  private direct = 0;

  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    // a read as large as a chunk gains nothing from one
    if (length > this.chunkSize / 2) {
      this.direct++;
      return this.inner.read(offset, length, signal);
    }
    return this.chunks.read(offset, length, signal);
  }

  close(): void {
    this.chunks.clear();
    this.inner.close();
  }
}
