// The JPEG side of NDPI: each level is one baseline JPEG with restart markers, and McuStarts
// lists where each restart segment begins. A rectangle of whole segments is itself a valid JPEG
// once the frame header (SOF) carries its size and the restart markers are renumbered, so a
// virtual tile is cut from the stream without decoding anything else.

import { SlideError } from './slide-error';

export interface JpegFrame {
  /** the bytes from SOI up to the end of the SOS header (tables, SOF, DRI, SOS) */
  header: Uint8Array;
  /** offset in `header` of the SOF's height field (height, then width, both 16-bit) */
  sofSizeAt: number;
  width: number;
  height: number;
  /** MCU size in pixels (8 × the largest sampling factors) */
  mcuWidth: number;
  mcuHeight: number;
  /** restart interval in MCUs (DRI); 0 when the stream has no restart markers */
  restartInterval: number;
}

const SOF_BASELINE = new Set([0xc0, 0xc1]);
const SOF_OTHER = new Set([0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Parses a JPEG's markers up to its first scan. `bytes` must hold at least the whole header. */
export function parseJpegFrame(bytes: Uint8Array, what: string): JpegFrame {
  const bad = (why: string) => new SlideError('corrupt', `${what} is damaged: ${why}.`);
  if (bytes.byteLength < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8)
    throw bad('its image data does not start with a JPEG header');
  let o = 2;
  let sofSizeAt = -1;
  let width = 0;
  let height = 0;
  let hMax = 1;
  let vMax = 1;
  let restartInterval = 0;
  for (;;) {
    if (o + 4 > bytes.byteLength) throw bad('its JPEG header is cut short');
    if (bytes[o] !== 0xff) throw bad(`its JPEG header has a stray byte at ${o}`);
    const marker = bytes[o + 1];
    if (marker === 0xff) {
      o++; // fill byte
      continue;
    }
    const len = (bytes[o + 2] << 8) | bytes[o + 3];
    if (len < 2 || o + 2 + len > bytes.byteLength) throw bad('its JPEG header is cut short');
    const seg = o + 4;
    if (SOF_BASELINE.has(marker)) {
      if (len < 8) throw bad('its JPEG frame header is too short');
      sofSizeAt = seg + 1;
      height = (bytes[seg + 1] << 8) | bytes[seg + 2];
      width = (bytes[seg + 3] << 8) | bytes[seg + 4];
      const components = bytes[seg + 5];
      if (components !== 1 && components !== 3)
        throw new SlideError(
          'unsupported-pixels',
          `${what} has ${components} JPEG components; only grey or colour are supported.`,
        );
      for (let c = 0; c < components; c++) {
        const f = bytes[seg + 6 + c * 3 + 1];
        hMax = Math.max(hMax, f >> 4);
        vMax = Math.max(vMax, f & 15);
      }
    } else if (SOF_OTHER.has(marker)) {
      throw new SlideError(
        'unsupported-compression',
        `${what} uses a progressive, lossless or arithmetic-coded JPEG (marker 0x${marker.toString(16)}), which cannot be cut into tiles.`,
      );
    } else if (marker === 0xdd) {
      restartInterval = (bytes[seg] << 8) | bytes[seg + 1];
    } else if (marker === 0xda) {
      if (sofSizeAt < 0) throw bad('its JPEG scan comes before its frame header');
      if (hMax > 4 || vMax > 4) throw bad('its JPEG sampling factors are out of range');
      return {
        header: bytes.subarray(0, o + 2 + len),
        sofSizeAt,
        width,
        height,
        mcuWidth: 8 * hMax,
        mcuHeight: 8 * vMax,
        restartInterval,
      };
    }
    o += 2 + len;
  }
}

/** The header with the SOF patched to `width` × `height`. */
export function patchedHeader(frame: JpegFrame, width: number, height: number): Uint8Array {
  const h = frame.header.slice();
  h[frame.sofSizeAt] = height >> 8;
  h[frame.sofSizeAt + 1] = height & 255;
  h[frame.sofSizeAt + 2] = width >> 8;
  h[frame.sofSizeAt + 3] = width & 255;
  return h;
}

/**
 * One JPEG from whole restart segments, in raster order: the patched header, each segment's
 * entropy-coded bytes without its trailing marker, RST0..7 between them, EOI at the end.
 * `segments[i]` must end with the marker that followed it in the file (RSTn, or EOI for the last).
 */
export function assembleSegments(header: Uint8Array, segments: Uint8Array[], what: string): Uint8Array {
  let total = header.byteLength;
  const bodies = segments.map((s, i) => {
    const n = s.byteLength;
    const endsWithMarker =
      n >= 2 && s[n - 2] === 0xff && ((s[n - 1] >= 0xd0 && s[n - 1] <= 0xd7) || s[n - 1] === 0xd9);
    if (!endsWithMarker) {
      throw new SlideError(
        'corrupt',
        `${what} is damaged: its McuStarts do not point at restart segments (segment ${i} of a tile does not end with a restart marker).`,
      );
    }
    total += n; // the trailing 2 bytes become the renumbered RST (or EOI)
    return s.subarray(0, n - 2);
  });
  const out = new Uint8Array(total);
  out.set(header, 0);
  let o = header.byteLength;
  bodies.forEach((b, i) => {
    out.set(b, o);
    o += b.byteLength;
    out[o++] = 0xff;
    out[o++] = i === bodies.length - 1 ? 0xd9 : 0xd0 + (i % 8);
  });
  return out;
}
