// Remote reads coalesced: the tile reads of a view arrive within a few ms of each other, and the
// tiles of a row lie next to each other in the file, so one range request can carry several
// tiles. Over a link with latency every request saved is a round trip saved, and a browser opens
// only 6 connections per HTTP/1.1 host. Reads that arrive within `windowMs` are sorted by offset
// and merged while the gap between them is at most `maxGapBytes` (the gap is read and thrown
// away) and the merged request stays under `maxRequestBytes`. A merged request is aborted only
// when every read in it has been; a caller that gives up stops waiting at once.
//
//   const source = new CoalescingSource(await openHttpSource(url, opts), { maxGapBytes: 64 << 10 });
//   source.stats()  // { reads, requests }: requests < reads when reads were merged

import type { ByteSource } from './byte-source';
import { abortError, SlideError } from './slide-error';

export interface CoalescingOptions {
  /** largest hole between two reads merged into one request (bytes read and dropped) */
  maxGapBytes: number;
  /** largest merged request; a read larger than this goes out alone */
  maxRequestBytes: number;
  /**
   * how long a read waits for neighbours before its request goes out; 0: only reads asked in the
   * same task are merged (the request goes out at the end of it), for reads that come one after
   * another, each waiting for the last (a directory's IFDs)
   */
  windowMs: number;
}

export const DEFAULT_COALESCING: Readonly<CoalescingOptions> = Object.freeze({
  maxGapBytes: 64 << 10,
  maxRequestBytes: 4 << 20,
  windowMs: 4,
});

interface Pending {
  offset: number;
  end: number;
  signal?: AbortSignal;
  resolve(b: Uint8Array): void;
  reject(e: unknown): void;
}

export interface CoalescingStats {
  /** reads asked of this source */
  reads: number;
  /** requests sent to the source below */
  requests: number;
}

/** A group of sorted reads that one request serves: [start, end) of the file. */
export interface ReadGroup<T extends { offset: number; end: number }> {
  start: number;
  end: number;
  members: T[];
}

/** Merges reads (any order) into request groups under the gap and size limits. Pure. */
export function planGroups<T extends { offset: number; end: number }>(
  reads: readonly T[],
  o: Pick<CoalescingOptions, 'maxGapBytes' | 'maxRequestBytes'>,
): ReadGroup<T>[] {
  const sorted = [...reads].sort((a, b) => a.offset - b.offset || a.end - b.end);
  const groups: ReadGroup<T>[] = [];
  let g: ReadGroup<T> | null = null;
  for (const r of sorted) {
    if (g && r.offset - g.end <= o.maxGapBytes && Math.max(g.end, r.end) - g.start <= o.maxRequestBytes) {
      g.end = Math.max(g.end, r.end);
      g.members.push(r);
    } else {
      g = { start: r.offset, end: r.end, members: [r] };
      groups.push(g);
    }
  }
  return groups;
}

export class CoalescingSource implements ByteSource {
  private pending: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly o: CoalescingOptions;
  private counts: CoalescingStats = { reads: 0, requests: 0 };

  constructor(
    private readonly inner: ByteSource,
    options: Partial<CoalescingOptions> = {},
  ) {
    this.o = { ...DEFAULT_COALESCING, ...options };
  }

  get name(): string {
    return this.inner.name;
  }

  get size(): number | null {
    return this.inner.size;
  }

  stats(): CoalescingStats {
    return { ...this.counts };
  }

  /** requests the storage below has seen (its own count where it keeps one) */
  get requests(): number {
    return this.inner.requests ?? this.counts.requests;
  }

  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    this.counts.reads++;
    if (length <= 0) return Promise.resolve(new Uint8Array(0));
    if (length > this.o.maxRequestBytes) {
      this.counts.requests++;
      return this.inner.read(offset, length, signal);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const p: Pending = { offset, end: offset + length, signal, resolve, reject };
      if (signal) {
        const onAbort = () => reject(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        const done = () => signal.removeEventListener('abort', onAbort);
        p.resolve = (b) => {
          done();
          resolve(b);
        };
        p.reject = (e) => {
          done();
          reject(e);
        };
      }
      this.pending.push(p);
      if (this.pending.length === 1) this.schedule();
    });
  }

  private schedule(): void {
    if (this.o.windowMs > 0) this.timer = setTimeout(() => this.flush(), this.o.windowMs);
    else queueMicrotask(() => this.flush());
  }

  /** Sends the waiting reads, merged. */
  private flush(): void {
    this.timer = null;
    const live = this.pending.filter((p) => !p.signal?.aborted);
    this.pending = [];
    for (const g of planGroups(live, this.o)) this.send(g);
  }

  private send(g: ReadGroup<Pending>): void {
    this.counts.requests++;
    // The shared request is aborted once every reader in it has given up.
    const controller = new AbortController();
    let waiting = g.members.length;
    for (const m of g.members) {
      m.signal?.addEventListener(
        'abort',
        () => {
          if (--waiting === 0) controller.abort(m.signal?.reason);
        },
        { once: true },
      );
    }
    const anyUnsignalled = g.members.some((m) => !m.signal);
    this.inner.read(g.start, g.end - g.start, anyUnsignalled ? undefined : controller.signal).then(
      (bytes) => {
        for (const m of g.members) {
          const from = Math.min(bytes.byteLength, m.offset - g.start);
          m.resolve(bytes.subarray(from, Math.min(bytes.byteLength, m.end - g.start)));
        }
      },
      (e: unknown) => {
        for (const m of g.members) m.reject(e);
      },
    );
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const closed = this.pending;
    this.pending = [];
    this.inner.close();
    for (const p of closed) p.reject(new SlideError('closed', 'This slide has been closed.'));
  }
}
