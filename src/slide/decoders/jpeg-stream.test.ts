import { describe, expect, it } from 'vitest';
import { buildJpegStream, isRgbCoded } from './jpeg-stream';

// SOI, a DQT stub, SOS stub, EOI: enough structure for the marker scan
const tile = new Uint8Array([
  0xff, 0xd8, 0xff, 0xdb, 0x00, 0x04, 0x00, 0x00, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9,
]);

describe('isRgbCoded', () => {
  it('is true for streams built for RGB-photometric tiles (Adobe transform 0), false otherwise', () => {
    expect(isRgbCoded(buildJpegStream(tile, undefined, true))).toBe(true);
    expect(isRgbCoded(buildJpegStream(tile, undefined, false))).toBe(false);
  });

  it('reads the transform byte: an Adobe marker saying YCbCr (transform 1) is not RGB', () => {
    const rgb = buildJpegStream(tile, undefined, true);
    const ycc = rgb.slice();
    ycc[2 + 15] = 1;
    expect(isRgbCoded(ycc)).toBe(false);
  });

  it('stops at the first scan, and on truncated input', () => {
    expect(isRgbCoded(tile.subarray(0, 9))).toBe(false);
    expect(isRgbCoded(buildJpegStream(tile, undefined, true).subarray(0, 10))).toBe(false);
  });
});
