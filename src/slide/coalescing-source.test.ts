import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGenericJpegTiff } from '../../scripts/fixtures/good-fixtures';
import { type ByteSource, MemorySource } from './byte-source';
import { CoalescingSource, planGroups } from './coalescing-source';
import { openSlide } from './open-slide';
import { type RangeServer, startRangeServer } from './range-server.fixture';
import { isAbortError } from './slide-error';
import { sharpJpeg } from './test-helpers';

/** A memory source that logs each read it serves and can hold them until released. */
class LoggingSource implements ByteSource {
  readonly log: { offset: number; length: number; signal?: AbortSignal }[] = [];
  private readonly mem: MemorySource;
  constructor(bytes: Uint8Array) {
    this.mem = new MemorySource(bytes, 'mem');
  }
  get name() {
    return 'mem';
  }
  get size() {
    return this.mem.size;
  }
  read(offset: number, length: number, signal?: AbortSignal) {
    this.log.push({ offset, length, signal });
    return this.mem.read(offset, length, signal);
  }
  close() {}
}

const bytes = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7 + (i >> 8)) & 255);
const limits = { maxGapBytes: 100, maxRequestBytes: 10_000, windowMs: 2 };

describe('planGroups', () => {
  const r = (offset: number, end: number) => ({ offset, end });
  it('merges neighbours and small gaps, in offset order', () => {
    const g = planGroups([r(301, 400), r(0, 100), r(100, 200), r(450, 500)], limits);
    expect(g.map((x) => [x.start, x.end, x.members.length])).toEqual([
      [0, 200, 2],
      [301, 500, 2],
    ]);
  });
  it('splits at a gap wider than maxGapBytes and at maxRequestBytes', () => {
    expect(planGroups([r(0, 100), r(201, 300)], limits).length).toBe(2);
    const row = Array.from({ length: 30 }, (_, i) => r(i * 1000, (i + 1) * 1000));
    const g = planGroups(row, limits);
    expect(g.map((x) => x.end - x.start)).toEqual([10_000, 10_000, 10_000]);
  });
  it('keeps overlapping and repeated reads in one request', () => {
    const g = planGroups([r(0, 500), r(100, 200), r(100, 200)], limits);
    expect(g).toHaveLength(1);
    expect([g[0].start, g[0].end]).toEqual([0, 500]);
  });
});

describe('CoalescingSource', () => {
  it('serves reads that arrive together with one request, each with its own bytes', async () => {
    const inner = new LoggingSource(bytes);
    const s = new CoalescingSource(inner, limits);
    const spans = [
      [2000, 300],
      [0, 1000],
      [1000, 1000],
      [2350, 50],
    ] as const;
    const got = await Promise.all(spans.map(([o, n]) => s.read(o, n)));
    expect(inner.log.map((l) => [l.offset, l.length])).toEqual([[0, 2400]]);
    spans.forEach(([o, n], i) => {
      expect(Array.from(got[i])).toEqual(Array.from(bytes.subarray(o, o + n)));
    });
    expect(s.stats()).toEqual({ reads: 4, requests: 1 });
  });

  it('keeps reads far apart, or too large together, in separate requests', async () => {
    const inner = new LoggingSource(bytes);
    const s = new CoalescingSource(inner, limits);
    await Promise.all([s.read(0, 100), s.read(5000, 100), s.read(6000, 9000), s.read(20_000, 20_000)]);
    expect(inner.log.map((l) => [l.offset, l.length]).sort((a, b) => a[0] - b[0])).toEqual([
      [0, 100],
      [5000, 100],
      [6000, 9000],
      [20_000, 20_000],
    ]);
  });

  it('reads after the window closes go out in a request of their own', async () => {
    const inner = new LoggingSource(bytes);
    const s = new CoalescingSource(inner, limits);
    await s.read(0, 100);
    await s.read(100, 100);
    expect(inner.log).toHaveLength(2);
  });

  it('with windowMs 0 merges only the reads of one task, and sends them at its end, before any timer', async () => {
    const inner = new LoggingSource(bytes);
    const s = new CoalescingSource(inner, { ...limits, windowMs: 0 });
    const together = Promise.all([s.read(0, 100), s.read(100, 100)]);
    // nothing goes out while the task that asked is still running
    expect(inner.log).toHaveLength(0);
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    await Promise.resolve();
    expect(inner.log.map((l) => [l.offset, l.length])).toEqual([[0, 200]]);
    expect(timerRan).toBe(false);
    await together;
    await new Promise((r) => setTimeout(r, 0));
    await s.read(200, 100); // a later task: a request of its own
    expect(inner.log.map((l) => [l.offset, l.length])).toEqual([
      [0, 200],
      [200, 100],
    ]);
  });

  it('stops waiting for an aborted reader at once; the others still get their bytes', async () => {
    const inner = new LoggingSource(bytes);
    const s = new CoalescingSource(inner, limits);
    const gone = new AbortController();
    const a = s.read(0, 100, gone.signal);
    const b = s.read(100, 100, new AbortController().signal);
    gone.abort();
    await expect(a).rejects.toSatisfy(isAbortError);
    expect(Array.from(await b)).toEqual(Array.from(bytes.subarray(100, 200)));
  });

  it('aborts the shared request only when every reader in it has given up', async () => {
    const inner = new LoggingSource(bytes);
    // a source whose reads wait so the aborts land while the request is out
    const slow: ByteSource = {
      name: 'slow',
      size: bytes.length,
      read: (o, n, signal) =>
        new Promise((resolve, reject) => {
          inner.log.push({ offset: o, length: n, signal });
          const t = setTimeout(() => resolve(bytes.subarray(o, o + n)), 200);
          signal?.addEventListener('abort', () => {
            clearTimeout(t);
            reject(new DOMException('aborted', 'AbortError'));
          });
        }),
      close() {},
    };
    const s = new CoalescingSource(slow, limits);
    const c1 = new AbortController();
    const c2 = new AbortController();
    const r1 = s.read(0, 100, c1.signal).catch((e) => e);
    const r2 = s.read(100, 100, c2.signal).catch((e) => e);
    await new Promise((r) => setTimeout(r, 20));
    expect(inner.log).toHaveLength(1);
    const shared = inner.log[0].signal!;
    c1.abort();
    expect(shared.aborted).toBe(false);
    c2.abort();
    expect(shared.aborted).toBe(true);
    expect(isAbortError(await r1) && isAbortError(await r2)).toBe(true);
  });

  it('passes a failure of the shared request to every reader in it', async () => {
    const failing: ByteSource = {
      name: 'x',
      size: 1000,
      read: async () => {
        throw new Error('boom');
      },
      close() {},
    };
    const s = new CoalescingSource(failing, limits);
    const results = await Promise.allSettled([s.read(0, 10), s.read(10, 10)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('cuts reads short at the end of the file like any source', async () => {
    const s = new CoalescingSource(new LoggingSource(bytes.subarray(0, 1000)), limits);
    const [a, b] = await Promise.all([s.read(900, 50), s.read(950, 100)]);
    expect([a.length, b.length]).toEqual([50, 50]);
  });
});

describe('coalesced range reads against a local HTTP server', () => {
  let file: Uint8Array;
  let server: RangeServer;
  let base = '';
  let requests = 0;

  beforeAll(async () => {
    file = await makeGenericJpegTiff();
    server = await startRangeServer(
      () => file,
      () => requests++,
    );
    base = server.base;
  });
  afterAll(() => server.close());

  /** Reads a row of level-0 tiles at once; returns the tiles' pixels and the requests they took. */
  async function readRow(coalesce: boolean) {
    // a probe smaller than the file, so tiles are not all in the first answer
    const s = await openSlide(`${base}/jpeg.tif`, { jpegDecoder: sharpJpeg, coalesce });
    const lv = s.metadata.levels[0];
    const across = Math.ceil(lv.width / lv.tileWidth);
    // tiles past the probe: the last row
    const y = Math.ceil(lv.height / lv.tileHeight) - 1;
    const before = s.stats().rangeRequests ?? 0;
    const tiles = await Promise.all(Array.from({ length: across }, (_, x) => s.getTile({ level: 0, x, y })));
    const used = (s.stats().rangeRequests ?? 0) - before;
    s.close();
    return { tiles: tiles.map((t) => Array.from(t.data.subarray(0, 64))), used, across };
  }

  it('reads a row of tiles in one request, with the same pixels as one request per tile', async () => {
    const on = await readRow(true);
    const off = await readRow(false);
    expect(file.length).toBeGreaterThan(64 * 1024);
    expect(on.across).toBeGreaterThanOrEqual(4);
    expect(off.used).toBe(on.across);
    expect(on.used).toBe(1);
    expect(on.tiles).toEqual(off.tiles);
    expect(requests).toBeGreaterThan(0);
  });
});
