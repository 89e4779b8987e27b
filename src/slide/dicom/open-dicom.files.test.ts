import { existsSync, openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dicomAssociatedFixture } from '../../../scripts/fixtures/dicom-associated-fixtures';
import {
  DICOM_FIXTURES,
  dicomFixture,
  dicomFixtureNamed,
  SHARED_DICOM,
} from '../../../scripts/fixtures/dicom-fixtures';
import { sharedAvailable } from '../../util/node/shared-data';
import { openSlide } from '../open-slide';
import { haveShared as haveSharedSlides, sharpJpeg } from '../test-helpers';

const haveShared = haveSharedSlides('DICOM files');

import { sameBytes } from './same-bytes.fixture';

const haveSamples =
  sharedAvailable('DICOM samples', 'dicomSamples') &&
  existsSync(join(SHARED_DICOM, 'panimg_full_no_bot.dcm'));

async function openFiles(paths: string[]) {
  const blobs = await Promise.all(
    paths.map(async (p) => new File([await openAsBlob(p)], p.split('/').pop() as string)),
  );
  return openSlide(blobs, { jpegDecoder: sharpJpeg });
}

describe.skipIf(!haveShared)('OrthancWSIDicomizer output', () => {
  it('CMU SVS: a full pyramid over six instances, level 0 split over two files', async () => {
    const files = dicomFixture(DICOM_FIXTURES[0]);
    expect(files.length).toBeGreaterThanOrEqual(5);
    const s = await openFiles(files);
    const m = s.metadata;
    expect(m.format).toBe('dicom');
    expect([m.width, m.height]).toEqual([2220, 2967]);
    expect(m.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual([2220, 1110, 555, 278, 139]);
    expect(m.mpp).toBeCloseTo(0.499, 3);
    const t = await s.getTile({ level: 0, x: 8, y: 11 });
    expect([t.width, t.height]).toEqual([240, 240]);
    s.close();
  });
});

describe.skipIf(!haveSamples)('../shared/formats/dicom samples', () => {
  it('panimg samples: full/sparse, with and without basic offset table, same pixels', async () => {
    const tiles = [];
    for (const n of ['full_no_bot', 'full_with_bot', 'sparse_no_bot', 'sparse_with_bot']) {
      const s = await openFiles([join(SHARED_DICOM, `panimg_${n}.dcm`)]);
      expect([s.metadata.width, s.metadata.height]).toEqual([154, 290]);
      tiles.push(await s.getTile({ level: 0, x: 0, y: 0 }));
      s.close();
    }
    for (const t of tiles.slice(1)) expect(sameBytes(t.data, tiles[0].data)).toBe(true);
  });
});

// Pixel parity: the DICOM the writer made from the SVS, read through the app, against OpenSlide's
// pixels of the SVS itself; a region of another slide must fail the same bound (negative control).
import { haveOpenSlide, openslideDiff, openslideRegion } from '../openslide-reference.fixture';
import type { RgbaImage } from '../slide-types';
import { SVS } from '../test-helpers';

const meanAbsDiff = (a: RgbaImage, ref: Buffer) => openslideDiff(a, ref).mad;
const openslideLevel0 = (path: string, x: number, y: number, w: number, h: number) =>
  openslideRegion(path, x, y, 0, w, h);

describe.skipIf(!haveShared || !haveOpenSlide)('DICOM from the SVS vs OpenSlide on the SVS', () => {
  const BOUND = 3; // the writer copies the SVS's JPEG tiles, so only decoder rounding is left
  it('level-0 regions match; another slide’s region does not', async () => {
    const s = await openFiles(dicomFixture(DICOM_FIXTURES[0]));
    for (const [x, y, w, h] of [
      [0, 0, 256, 256],
      [1000, 1200, 300, 200],
      [2000, 2800, 220, 167],
    ]) {
      const mad = meanAbsDiff(
        await s.readRegion({ x, y, width: w, height: h, downsample: 1 }),
        await openslideLevel0(SVS, x, y, w, h),
      );
      console.log(`dicom parity (${x},${y}) ${w}x${h}: mean abs diff ${mad.toFixed(3)}`);
      expect(mad).toBeLessThan(BOUND);
    }
    const cam = await openFiles(dicomFixture(DICOM_FIXTURES[1]));
    const other = await cam.readRegion({ x: 1000, y: 3500, width: 300, height: 200, downsample: 1 });
    const control = meanAbsDiff(other, await openslideLevel0(SVS, 1000, 1200, 300, 200));
    console.log(`dicom parity negative control (Tumor_001 vs SVS): mean abs diff ${control.toFixed(3)}`);
    expect(control).toBeGreaterThan(BOUND * 3);
    s.close();
    cam.close();
  });

  // the writer decodes the SVS's JPEG tiles and re-encodes them as (reversible) JPEG 2000, so
  // the wasm decoder has to give back the decoded JPEG exactly
  it('the JPEG 2000 DICOM the writer made from the SVS matches too', async () => {
    const files = dicomFixture(dicomFixtureNamed('cmu-1-small-region-j2k'));
    const head = new Uint8Array(await (await openAsBlob(files[0])).slice(0, 4096).arrayBuffer());
    // transfer syntax 1.2.840.10008.1.2.4.90 (lossless) or .91
    expect(new TextDecoder().decode(head)).toMatch(/1\.2\.840\.10008\.1\.2\.4\.9[01]/);
    const s = await openFiles(files);
    expect(s.metadata).toMatchObject({
      format: 'dicom',
      width: 2220,
      height: 2967,
      compression: 'JPEG 2000',
    });
    expect(s.metadata.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual([
      2220, 1110, 555, 278, 139,
    ]);
    const jpeg = await openFiles(dicomFixture(DICOM_FIXTURES[0]));
    for (const [x, y, w, h] of [
      [0, 0, 256, 256],
      [1000, 1200, 300, 200],
      [2000, 2800, 220, 167],
    ]) {
      const region = await s.readRegion({ x, y, width: w, height: h, downsample: 1 });
      const mad = meanAbsDiff(region, await openslideLevel0(SVS, x, y, w, h));
      console.log(`dicom JPEG 2000 parity (${x},${y}) ${w}x${h}: mean abs diff ${mad.toFixed(3)}`);
      expect(mad).toBeLessThan(BOUND);
      // and exactly the JPEG DICOM's pixels (the lossless re-encoding of its decoded tiles)
      expect(
        sameBytes(region.data, (await jpeg.readRegion({ x, y, width: w, height: h, downsample: 1 })).data),
      ).toBe(true);
    }
    s.close();
    jpeg.close();
  });
});

describe.skipIf(!haveSamples)('highdicom samples', () => {
  it('JPEG-LS decodes to the same pixels as the uncompressed file; greyscale is grey', async () => {
    const raw = await openFiles([join(SHARED_DICOM, 'hd_sm_image.dcm')]);
    const ls = await openFiles([join(SHARED_DICOM, 'hd_sm_image_jpegls.dcm')]);
    const grey = await openFiles([join(SHARED_DICOM, 'hd_sm_image_grayscale.dcm')]);
    expect(raw.metadata).toMatchObject({ format: 'dicom', width: 50, height: 50, compression: 'none' });
    expect(ls.metadata.compression).toBe('JPEG-LS');
    expect(raw.metadata.mpp).toBeCloseTo(0.499, 6);
    expect(raw.metadata.vendor).toBe('Test Manufacturer');
    const a = await raw.readRegion({ x: 0, y: 0, width: 50, height: 50, downsample: 1 });
    const b = await ls.readRegion({ x: 0, y: 0, width: 50, height: 50, downsample: 1 });
    expect(sameBytes(b.data, a.data)).toBe(true);
    expect(new Set(a.data).size).toBeGreaterThan(2);
    const g = await grey.readRegion({ x: 0, y: 0, width: 50, height: 50, downsample: 1 });
    for (let i = 0; i < g.data.length; i += 4) expect(g.data[i + 1]).toBe(g.data[i]);
    for (const s of [raw, ls, grey]) s.close();
  });

  it('a segmentation or an annotation object is refused with a sentence', async () => {
    await expect(
      openFiles([join(SHARED_DICOM, 'hd_seg_image_sm_dots_tiled_full.dcm')]),
    ).rejects.toMatchObject({
      code: 'not-a-slide',
      message: expect.stringMatching(/Segmentation/),
    });
    await expect(openFiles([join(SHARED_DICOM, 'hd_sm_annotations.dcm')])).rejects.toMatchObject({
      code: 'no-pixel-data',
      message: expect.stringMatching(/Annotations/),
    });
  });
});

describe.skipIf(!haveShared)('files of two slides together', () => {
  it('are refused, naming both series', async () => {
    const both = [...dicomFixture(DICOM_FIXTURES[0]), ...dicomFixture(DICOM_FIXTURES[1])];
    await expect(openFiles(both)).rejects.toMatchObject({
      code: 'several-slides',
      message: expect.stringMatching(/2 different slides/),
    });
  });
});

describe.skipIf(!haveShared)('label, overview and thumbnail', () => {
  it('are kept out of the pyramid, listed, and read back (scaled to fit)', async () => {
    const { volume, associated } = await dicomAssociatedFixture();
    const s = await openFiles([...volume, ...associated.map((a) => a.file)]);
    const m = s.metadata;
    expect(m.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual([2220, 1110, 555, 278, 139]);
    expect(m.associated?.map((a) => [a.kind, a.width, a.height]).sort()).toEqual(
      associated.map((a) => [a.kind, a.width, a.height]).sort(),
    );
    const reader = s as typeof s & { readAssociated: NonNullable<typeof s.readAssociated> };
    for (const a of associated) {
      const index = m.associated?.findIndex((x) => x.kind === a.kind) ?? -1;
      const full = await reader.readAssociated({ index, maxSize: 4096 });
      expect([full.width, full.height]).toEqual([a.width, a.height]);
      let d = 0;
      for (let p = 0, q = 0; q < a.rgb.length; p += 4, q += 3)
        for (let c = 0; c < 3; c++) d += Math.abs(full.data[p + c] - a.rgb[q + c]);
      const mad = d / a.rgb.length;
      console.log(`${a.kind} (SVS page ${a.page}) read back: mean abs diff ${mad.toFixed(3)}`);
      // uncompressed: exact; the overview is JPEG, decoded by the same libjpeg-turbo here
      expect(mad).toBeLessThan(a.kind === 'overview' ? 1 : 1e-9);
      const thumb = await reader.readAssociated({ index, maxSize: 160 });
      expect(Math.max(thumb.width, thumb.height)).toBe(160);
      expect(Math.abs(thumb.width / thumb.height - a.width / a.height)).toBeLessThan(0.02);
    }
    await expect(reader.readAssociated({ index: 3, maxSize: 160 })).rejects.toMatchObject({
      code: 'bad-request',
    });
    s.close();
  });
});
