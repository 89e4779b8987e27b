import { describe, expect, it } from 'vitest';
import { BlockCache } from './block-cache';
import { type ByteSource, MemorySource } from './byte-source';

/** A source that logs each read as [offset, length] and can be told to fail. */
function loggingSource(size: number) {
  const bytes = Uint8Array.from({ length: size }, (_, i) => i % 251);
  const inner = new MemorySource(bytes, 'mem');
  const reads: [number, number][] = [];
  let failNext = false;
  const source: ByteSource = {
    name: 'mem',
    size,
    async read(offset, length, signal) {
      reads.push([offset, length]);
      if (failNext) {
        failNext = false;
        throw new Error('network down');
      }
      return inner.read(offset, length, signal);
    },
    close() {},
  };
  return { bytes, source, reads, fail: () => (failNext = true) };
}

describe('BlockCache.prefetchSpan', () => {
  it('loads a span of blocks in one read, which later reads then hit', async () => {
    const { bytes, source, reads } = loggingSource(10 * 1000 + 300); // the last block is short
    const cache = new BlockCache(source, 1000);
    cache.prefetchSpan(6500, 10_300);
    expect(reads).toEqual([[6000, 5000]]);
    expect(cache.requests).toBe(1);
    const tail = await cache.read(9800, 500);
    expect(Array.from(tail)).toEqual(Array.from(bytes.subarray(9800, 10_300)));
    const across = await cache.read(6900, 2200);
    expect(Array.from(across)).toEqual(Array.from(bytes.subarray(6900, 9100)));
    expect(reads).toHaveLength(1);
    expect(cache.has(10)).toBe(true);
  });

  it('leaves out blocks at either end that are there or on their way', async () => {
    const { source, reads } = loggingSource(10_000);
    const cache = new BlockCache(source, 1000);
    await cache.read(9500, 10); // block 9
    const pending = cache.read(5000, 10); // block 5, in flight
    cache.prefetchSpan(5000, 10_000);
    await pending;
    expect(reads).toEqual([
      [9000, 1000],
      [5000, 1000],
      [6000, 3000],
    ]);
    cache.prefetchSpan(5000, 10_000); // all there now: no read
    expect(reads).toHaveLength(3);
  });

  it('forgets a failed span, so a read asks again', async () => {
    const { bytes, source, reads, fail } = loggingSource(4000);
    const cache = new BlockCache(source, 1000);
    fail();
    cache.prefetchSpan(2000, 4000);
    await new Promise((r) => setTimeout(r, 0));
    const again = await cache.read(2500, 100);
    expect(Array.from(again)).toEqual(Array.from(bytes.subarray(2500, 2600)));
    expect(reads).toEqual([
      [2000, 2000],
      [2000, 1000],
    ]);
  });
});
