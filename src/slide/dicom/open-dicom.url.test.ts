// A single-file DICOM (the writer's level 0 of the CMU SVS in one instance) opened from a URL on
// a real local HTTP server (scripts/serve-slides.ts: Range, CORS): read by range requests, like a
// TIFF, so opening it and reading one tile fetches a small part of the file.

import { mkdtempSync, openAsBlob, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dicomFixture, dicomFixtureNamed } from '../../../scripts/fixtures/dicom-fixtures';
import { type SlideServer, startSlideServer } from '../../../scripts/serve-slides';
import { openSlide } from '../open-slide';
import { haveShared as haveSharedSlides, sharpJpeg } from '../test-helpers';
import { sameBytes } from './same-bytes.fixture';

const haveShared = haveSharedSlides('DICOM from a URL');
// this suite's loopback port (the dicom range 7160-7179)
const PORT = 7169;

describe.skipIf(!haveShared)('a single-file DICOM from a URL', () => {
  const files = haveShared ? dicomFixture(dicomFixtureNamed('cmu-1-small-region-single')) : [];
  let server: SlideServer;
  let cut: SlideServer;
  beforeAll(async () => {
    server = await startSlideServer(dirname(files[0]), PORT);
    // the same file without its last 200 bytes: the last frame (and the delimiter) cut short
    const dir = mkdtempSync(join(tmpdir(), 'dcm-url-'));
    const bytes = readFileSync(files[0]);
    writeFileSync(join(dir, 'cut.dcm'), bytes.subarray(0, bytes.length - 200));
    cut = await startSlideServer(dir, PORT + 1);
  });
  afterAll(async () => {
    await server?.close();
    await cut?.close();
  });

  it('opens by range reads and gives the same pixels as the file', async () => {
    expect(files).toHaveLength(1);
    const size = statSync(files[0]).size;
    const seen: { range: string | null; status: number; bytes: number }[] = [];
    const counting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const range = new Headers(init?.headers).get('Range');
      seen.push({ range, status: res.status, bytes: Number(res.headers.get('content-length') ?? 0) });
      return res;
    };
    const url = `${server.url}/${basename(files[0])}`;
    const web = await openSlide(url, { jpegDecoder: sharpJpeg, fetchImpl: counting });
    expect(web.metadata).toMatchObject({ format: 'dicom', width: 2220, height: 2967, compression: 'JPEG' });
    expect(web.metadata.mpp).toBeCloseTo(0.499, 3);
    const tile = await web.getTile({ level: 0, x: 4, y: 6 });
    const fetched = seen.reduce((n, s) => n + s.bytes, 0);
    console.log(
      `DICOM by URL: ${seen.length} range requests, ${fetched} of ${size} bytes to open and read one tile`,
    );
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.range).toMatch(/^bytes=\d+-\d+$/);
      expect(s.status).toBe(206);
    }
    expect(fetched).toBeLessThan(size / 4);
    const local = await openSlide([new File([await openAsBlob(files[0])], basename(files[0]))], {
      jpegDecoder: sharpJpeg,
    });
    expect(web.metadata.levels).toEqual(local.metadata.levels);
    expect(sameBytes(tile.data, (await local.getTile({ level: 0, x: 4, y: 6 })).data)).toBe(true);
    const region = { x: 700, y: 1100, width: 400, height: 300, downsample: 1 };
    expect(sameBytes((await web.readRegion(region)).data, (await local.readRegion(region)).data)).toBe(true);
    web.close();
    local.close();
  });

  it('a file cut short opens, and its cut frame is a typed error', async () => {
    const s = await openSlide(`${cut.url}/cut.dcm`, { jpegDecoder: sharpJpeg });
    expect((await s.getTile({ level: 0, x: 8, y: 12 })).width).toBe(240);
    await expect(s.getTile({ level: 0, x: 9, y: 12 })).rejects.toMatchObject({
      code: 'truncated',
      message: expect.stringMatching(/cut\.dcm seems truncated/),
    });
    s.close();
  });
});
