// An NDPI level without McuStarts (tag 65426) but with restart markers: its segment index is
// found by scanning the entropy-coded stream for RSTn markers. In a JPEG scan, 0xFF is followed
// by a stuffed 0x00 unless it starts a marker, so every FF D0–D7 is a restart marker. They must
// come in sequence (RST0..7, repeating) and number exactly the segments the frame's size and
// restart interval call for; otherwise the level is damaged.
//
// The index is built as far as the tiles asked for need it, in chunks that start small and grow
// (64 KiB doubling to 4 MiB): over a URL, the first tile of a level reads the stream up to the
// end of its own segments, not the whole level JPEG (up to maxRestartScanBytes).

import type { ByteSource } from './byte-source';
import { abortError, SlideError, throwIfAborted } from './slide-error';
import type { SlideLimits } from './slide-limits';

/** bytes of the first read of the scan; each next read doubles, up to MAX_CHUNK */
const FIRST_CHUNK = 64 << 10;
const MAX_CHUNK = 4 << 20;

export interface RestartScan {
  source: ByteSource;
  /** file offset and length of the level's JPEG stream */
  offset: number;
  length: number;
  /** where the first segment starts (the end of the SOS header) */
  first: number;
  /** segments the frame needs: across × rows of its segment grid */
  expected: number;
  limits: SlideLimits;
  what: string;
  /** called with the bytes of each read, for the reader's counters */
  onRead?: (bytes: number) => void;
  /** bytes per read (default: 64 KiB, doubling to 4 MiB) */
  chunkBytes?: number;
}

const mb = (n: number) => Math.round(n / 2 ** 20);

/** The start of every restart segment, found as far as asked: `through(k)` knows segments 0..k. */
export class RestartIndex {
  /** starts[0..found) are known */
  private readonly starts: Float64Array;
  private found = 1;
  /** stream offset scanned up to; `carry`: the byte before it was 0xFF */
  private pos: number;
  private carry = false;
  private ended = false;
  private reads = 0;
  private step: Promise<void> | null = null;

  constructor(private readonly s: RestartScan) {
    if (s.length > s.limits.maxRestartScanBytes) {
      throw new SlideError(
        'allocation-limit',
        `${s.what} lists no McuStarts, and finding its restart segments would mean reading up to its whole ${mb(s.length)} MB JPEG, more than the ${mb(s.limits.maxRestartScanBytes)} MB scan limit.`,
      );
    }
    if (s.expected * 8 > s.limits.maxStripCacheBytes) {
      throw new SlideError(
        'allocation-limit',
        `${s.what} lists no McuStarts, and an index of its ${s.expected} restart segments would need ${mb(s.expected * 8)} MB, more than the ${mb(s.limits.maxStripCacheBytes)} MB limit.`,
      );
    }
    this.starts = new Float64Array(s.expected);
    this.starts[0] = s.first;
    this.pos = s.first;
  }

  /** Bytes of the stream scanned so far. */
  get scanned(): number {
    return this.pos;
  }

  /**
   * The segment starts, with segments 0..k known (the rest of the array is not yet filled).
   * One read runs at a time, shared by every tile waiting; a tile that gives up stops waiting
   * without failing the others, and the scan goes no further than some tile still needs.
   */
  async through(k: number, signal?: AbortSignal): Promise<Float64Array> {
    const want = Math.min(k, this.s.expected - 1);
    while (this.found <= want) {
      throwIfAborted(signal);
      if (this.ended) throw this.short();
      this.step ??= this.advance().finally(() => {
        this.step = null;
      });
      await waitOrAbort(this.step, signal);
    }
    return this.starts;
  }

  /** Scans to the end of the stream and checks the count: the whole index. */
  async all(signal?: AbortSignal): Promise<Float64Array> {
    while (!this.ended) {
      throwIfAborted(signal);
      this.step ??= this.advance().finally(() => {
        this.step = null;
      });
      await waitOrAbort(this.step, signal);
    }
    if (this.found !== this.s.expected) throw this.short();
    return this.starts;
  }

  private short(): SlideError {
    return this.damaged(
      `its JPEG has ${this.found} restart segments where its size and restart interval call for ${this.s.expected}`,
    );
  }

  private damaged(why: string): SlideError {
    return new SlideError('corrupt', `${this.s.what} is damaged: ${why}.`);
  }

  /** Reads and scans the next chunk; the index changes only when the whole chunk scanned clean. */
  private async advance(): Promise<void> {
    const s = this.s;
    if (this.pos >= s.length) {
      this.ended = true;
      return;
    }
    const size = s.chunkBytes ?? Math.min(MAX_CHUNK, FIRST_CHUNK * 2 ** this.reads);
    const want = Math.min(size, s.length - this.pos);
    const pos = this.pos;
    const bytes = await s.source.read(s.offset + pos, want);
    if (bytes.byteLength < want) {
      throw new SlideError(
        'truncated',
        `${s.what} is cut short: its JPEG ends before the file says it does.`,
      );
    }
    this.reads++;
    s.onRead?.(want);
    let n = this.found;
    const found: number[] = [];
    let ended = false;
    /** true at EOI: the stream ends there */
    const marker = (m: number, at: number): boolean => {
      if (m === 0xd9) return true;
      if (m < 0xd0 || m > 0xd7) return false;
      if (n >= s.expected) {
        throw this.damaged(
          `its JPEG has more restart markers than the ${s.expected} segments its size and restart interval call for`,
        );
      }
      if (m - 0xd0 !== (n - 1) % 8) {
        throw this.damaged(
          `its restart markers are out of sequence (RST${m - 0xd0} at byte ${at}, RST${(n - 1) % 8} expected)`,
        );
      }
      found.push(at + 2);
      n++;
      return false;
    };
    let i = 0;
    let carry = false;
    if (this.carry) {
      ended = marker(bytes[0], pos - 1);
      i = bytes[0] === 0xff ? 0 : 1; // FF FF: fill bytes, the second FF may start the marker
    }
    while (!ended) {
      i = bytes.indexOf(0xff, i);
      if (i < 0) break;
      if (i + 1 >= bytes.byteLength) {
        carry = true;
        break;
      }
      if (marker(bytes[i + 1], pos + i)) ended = true;
      else i += bytes[i + 1] === 0xff ? 1 : 2;
    }
    for (const at of found) this.starts[this.found++] = at;
    this.carry = carry;
    this.pos = pos + want;
    if (ended || this.pos >= s.length) this.ended = true;
  }
}

/** `p`, or an abort as soon as `signal` fires (p itself goes on: other tiles may wait on it). */
function waitOrAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** The start of every restart segment from the start of the stream, as McuStarts would list them. */
export async function scanRestartMarkers(s: RestartScan & { signal?: AbortSignal }): Promise<Float64Array> {
  return new RestartIndex(s).all(s.signal);
}
