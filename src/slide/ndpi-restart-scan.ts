// An NDPI level without McuStarts (tag 65426) but with restart markers: its segment index is
// found by scanning the entropy-coded stream for RSTn markers, in chunks, under limits. In a
// JPEG scan, 0xFF is followed by a stuffed 0x00 unless it starts a marker, so every FF D0–D7
// is a restart marker. They must come in sequence (RST0..7, repeating) and number exactly the
// segments the frame's size and restart interval call for; otherwise the level is damaged.

import type { ByteSource } from './byte-source';
import { SlideError, throwIfAborted } from './slide-error';
import type { SlideLimits } from './slide-limits';

/** bytes read per step of the scan */
const CHUNK = 4 << 20;

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
  signal?: AbortSignal;
  /** called with the bytes of each read, for the reader's counters */
  onRead?: (bytes: number) => void;
  /** bytes per read (default 4 MiB) */
  chunkBytes?: number;
}

/** The start of every restart segment from the start of the stream, as McuStarts would list them. */
export async function scanRestartMarkers(s: RestartScan): Promise<Float64Array> {
  const mb = (n: number) => Math.round(n / 2 ** 20);
  if (s.length > s.limits.maxRestartScanBytes) {
    throw new SlideError(
      'allocation-limit',
      `${s.what} lists no McuStarts, and finding its restart segments would mean reading its whole ${mb(s.length)} MB JPEG, more than the ${mb(s.limits.maxRestartScanBytes)} MB scan limit.`,
    );
  }
  if (s.expected * 8 > s.limits.maxStripCacheBytes) {
    throw new SlideError(
      'allocation-limit',
      `${s.what} lists no McuStarts, and an index of its ${s.expected} restart segments would need ${mb(s.expected * 8)} MB, more than the ${mb(s.limits.maxStripCacheBytes)} MB limit.`,
    );
  }
  const starts = new Float64Array(s.expected);
  starts[0] = s.first;
  let n = 1;
  let pos = s.first;
  let carry = false; // the previous chunk ended with 0xFF
  const damaged = (why: string) => new SlideError('corrupt', `${s.what} is damaged: ${why}.`);
  const marker = (m: number, at: number): boolean => {
    if (m === 0xd9) return true; // EOI: the stream ends here
    if (m < 0xd0 || m > 0xd7) return false;
    if (n >= s.expected) {
      throw damaged(
        `its JPEG has more restart markers than the ${s.expected} segments its size and restart interval call for`,
      );
    }
    if (m - 0xd0 !== (n - 1) % 8) {
      throw damaged(
        `its restart markers are out of sequence (RST${m - 0xd0} at byte ${at}, RST${(n - 1) % 8} expected)`,
      );
    }
    starts[n++] = at + 2;
    return false;
  };
  scan: while (pos < s.length) {
    throwIfAborted(s.signal);
    const want = Math.min(s.chunkBytes ?? CHUNK, s.length - pos);
    const bytes = await s.source.read(s.offset + pos, want, s.signal);
    if (bytes.byteLength < want) {
      throw new SlideError(
        'truncated',
        `${s.what} is cut short: its JPEG ends before the file says it does.`,
      );
    }
    s.onRead?.(want);
    let i = 0;
    if (carry) {
      if (marker(bytes[0], pos - 1)) break;
      i = bytes[0] === 0xff ? 0 : 1; // FF FF: fill bytes, the second FF may start the marker
    }
    carry = false;
    for (;;) {
      i = bytes.indexOf(0xff, i);
      if (i < 0) break;
      if (i + 1 >= bytes.byteLength) {
        carry = true;
        break;
      }
      if (marker(bytes[i + 1], pos + i)) break scan;
      i += bytes[i + 1] === 0xff ? 1 : 2;
    }
    pos += want;
  }
  if (n !== s.expected) {
    throw damaged(
      `its JPEG has ${n} restart segments where its size and restart interval call for ${s.expected}`,
    );
  }
  return starts;
}
