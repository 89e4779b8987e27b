import { describe, expect, it } from 'vitest';
import { type ByteSource, MemorySource } from './byte-source';
import { ChunkedSource } from './chunked-source';

/** A memory source that counts its reads. */
function counted(bytes: Uint8Array): ByteSource & { reads: number } {
  const inner = new MemorySource(bytes, 'mem');
  const s = {
    name: 'mem',
    size: bytes.byteLength,
    reads: 0,
    read(offset: number, length: number, signal?: AbortSignal) {
      s.reads++;
      return inner.read(offset, length, signal);
    },
    close() {},
  };
  return s;
}

describe('ChunkedSource', () => {
  const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 31) % 251);
  const expectBytes = (got: Uint8Array, offset: number, length: number) =>
    expect(Array.from(got)).toEqual(Array.from(bytes.subarray(offset, offset + length)));

  it('serves neighbouring small reads from one chunk read', async () => {
    const inner = counted(bytes);
    const src = new ChunkedSource(inner, 1024, 8 * 1024);
    expectBytes(await src.read(10, 100), 10, 100);
    expectBytes(await src.read(300, 200), 300, 200);
    expect(inner.reads).toBe(1);
    // concurrent reads of a new chunk share it
    await Promise.all([src.read(4200, 10), src.read(4500, 10), src.read(5000, 10)]);
    expect(inner.reads).toBe(2);
    // across a chunk edge: both chunks, bytes in order
    expectBytes(await src.read(7150, 100), 7150, 100);
    expect(inner.reads).toBe(4);
  });

  it('reads ahead when reading runs on into the next chunk, and only then', async () => {
    const inner = counted(bytes);
    const src = new ChunkedSource(inner, 1024, 8 * 1024);
    await src.read(0, 10); // chunk 0
    await src.read(5000, 10); // a jump to chunk 4: no read-ahead
    expect(inner.reads).toBe(2);
    await src.read(1100, 10); // chunk 1 follows chunk 0: chunk 2 is read ahead
    expect(inner.reads).toBe(4);
    await src.read(2100, 10);
    expect(inner.reads).toBe(4);
    await src.read(3500, 10); // chunk 3 reads ahead chunk 4, which is already there
    expect(inner.reads).toBe(5);
    // nothing is read ahead past the end of the file
    const end = counted(bytes);
    const tail = new ChunkedSource(end, 1024, 8 * 1024);
    await tail.read(8300, 10);
    expectBytes(await tail.read(9300, 100), 9300, 100);
    expect(end.reads).toBe(2);
  });

  it('passes large reads straight through, and stops at the end of the file', async () => {
    const inner = counted(bytes);
    const src = new ChunkedSource(inner, 1024, 8 * 1024);
    expectBytes(await src.read(2000, 3000), 2000, 3000);
    expect(inner.reads).toBe(1);
    expect((await src.read(9990, 100)).byteLength).toBe(10);
    expect(src.size).toBe(10_000);
  });

  it('gives up on an aborted read', async () => {
    const src = new ChunkedSource(counted(bytes), 1024);
    const c = new AbortController();
    c.abort();
    await expect(src.read(0, 10, c.signal)).rejects.toThrow();
  });
});
