// Pixel parity with OpenSlide (openslide-write-png) on the real slides. Both decode JPEG with
// libjpeg(-turbo), so small differences only; a YCbCr/RGB mix-up would show as tens of grey levels.

import { describe, expect, it } from 'vitest';
import { buildJpegStream } from './decoders/jpeg-stream';
import { haveOpenSlide, openslideDiff, openslideRegion } from './openslide-reference.fixture';
import { CAMELYON, haveShared, openPath, SVS, sharpJpeg } from './test-helpers';

describe.skipIf(!haveShared('pixel parity with OpenSlide') || !haveOpenSlide)(
  'pixel parity with OpenSlide',
  () => {
    const cases: [string, string, number, number, number, number][] = [
      ['svs', SVS, 0, 0, 256, 256],
      ['svs', SVS, 1000, 1200, 300, 200],
      ['svs', SVS, 2000, 2800, 300, 300], // crosses the right/bottom edge
      ['camelyon', CAMELYON, 0, 0, 256, 256],
      ['camelyon', CAMELYON, 1000, 3500, 400, 300],
      ['camelyon', CAMELYON, 2900, 7000, 300, 300],
    ];
    for (const [label, path, x, y, w, h] of cases) {
      it(`${label} region (${x}, ${y}) ${w}×${h} at downsample 1`, async () => {
        const s = await openPath(path);
        const ours = await s.readRegion({ x, y, width: w, height: h, downsample: 1 });
        const { mad, n } = openslideDiff(ours, await openslideRegion(path, x, y, 0, w, h));
        console.log(`parity ${label} (${x},${y}) ${w}x${h}: mean abs diff ${mad.toFixed(3)} over ${n} px`);
        expect(n).toBeGreaterThan(0);
        expect(mad).toBeLessThan(3);
        s.close();
      });
    }

    it('the Adobe APP14 marker matters: decoding Aperio RGB JPEG as YCbCr is far off', async () => {
      // Decode the first SVS tile twice: as we do, and without the RGB marker.
      const s = await openPath(SVS);
      const ours = await s.getTile({ level: 0, x: 0, y: 0 });
      s.close();
      const { readFile } = await import('node:fs/promises');
      const { BlockCache } = await import('./block-cache');
      const { MemorySource } = await import('./byte-source');
      const { parseTiff, tagBytes, tagNumbers } = await import('./tiff-parser');
      const { DEFAULT_LIMITS } = await import('./slide-limits');
      const bytes = new Uint8Array(await readFile(SVS));
      const tiff = await parseTiff(new BlockCache(new MemorySource(bytes, 'svs')), DEFAULT_LIMITS);
      const ifd = tiff.ifds[0];
      const off = tagNumbers(ifd, 324)![0];
      const len = tagNumbers(ifd, 325)![0];
      const raw = bytes.subarray(off, off + len);
      const wrong = await sharpJpeg.decode(buildJpegStream(raw, tagBytes(ifd, 347), false));
      let d = 0;
      for (let i = 0; i < ours.data.length; i += 4)
        for (let c = 0; c < 3; c++) d += Math.abs(ours.data[i + c] - wrong.data[i + c]);
      const mad = d / ((ours.data.length / 4) * 3);
      console.log(`parity svs tile without APP14 (YCbCr assumed): mean abs diff ${mad.toFixed(1)}`);
      expect(mad).toBeGreaterThan(10);
    });
  },
);
