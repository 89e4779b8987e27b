// DICOMweb against a real Orthanc with its DICOMweb plugin, started and stopped here, loaded
// with the OrthancWSIDicomizer files of the CMU SVS. A small fault-injecting proxy in front of
// it gives the failures a real server rarely shows on demand (a non-multipart answer, a
// connection dropped mid-frame, 403).

import { openAsBlob } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DICOM_FIXTURES, dicomFixture } from '../../../scripts/fixtures/dicom-fixtures';
import { haveOrthanc, type RunningOrthanc, startOrthanc } from '../../../scripts/fixtures/orthanc';
import { openSlide } from '../open-slide';
import { haveShared as haveSharedSlides, sharpJpeg } from '../test-helpers';

const haveShared = haveSharedSlides('DICOMweb');

import { sameBytes } from './same-bytes.fixture';

// this suite's loopback ports (the dicom range 7160-7179; e2e uses 7160/7161)
const PORT = { http: 7164, dicom: 7165, authHttp: 7166, authDicom: 7167, proxy: 7168 };

type Fault = 'none' | 'html' | 'drop-once' | 'forbidden';

describe.skipIf(!haveShared || !haveOrthanc())('DICOMweb from a real Orthanc', () => {
  let orthanc: RunningOrthanc;
  let locked: RunningOrthanc;
  let series = '';
  let lockedSeries = '';
  let proxy: Server;
  let fault: Fault = 'none';
  let dropped = 0;
  const files = haveShared ? dicomFixture(DICOM_FIXTURES[0]) : [];

  beforeAll(async () => {
    [orthanc, locked] = await Promise.all([
      startOrthanc({ httpPort: PORT.http, dicomPort: PORT.dicom }),
      startOrthanc({ httpPort: PORT.authHttp, dicomPort: PORT.authDicom, users: { mrn: 'secret' } }),
    ]);
    const ids = await orthanc.upload(files);
    series = `${orthanc.dicomWeb}/studies/${ids.study}/series/${ids.series}`;
    const lockedIds = await locked.upload(files.slice(0, 1));
    lockedSeries = `${locked.dicomWeb}/studies/${lockedIds.study}/series/${lockedIds.series}`;
    proxy = createServer(async (req, res) => {
      const isFrames = /\/frames\//.test(req.url ?? '');
      if (isFrames && fault === 'forbidden') {
        res.writeHead(403).end('no');
        return;
      }
      if (isFrames && fault === 'html') {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>');
        return;
      }
      const upstream = await fetch(`${orthanc.url}${req.url}`, {
        headers: { Accept: String(req.headers.accept ?? '*/*') },
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? '' });
      if (isFrames && fault === 'drop-once' && dropped === 0) {
        dropped++;
        res.write(body.subarray(0, body.length >> 1));
        res.destroy(); // connection dropped mid-frame
        return;
      }
      res.end(body);
    });
    await new Promise<void>((r) => proxy.listen(PORT.proxy, '127.0.0.1', r));
  }, 60_000);

  afterAll(async () => {
    proxy?.close();
    await Promise.all([orthanc?.stop(), locked?.stop()]);
  });

  const viaProxy = () => series.replace(orthanc.url, `http://127.0.0.1:${PORT.proxy}`);

  it('opens the series: same levels and pixels as the files, fewer requests than tiles', async () => {
    let frameRequests = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).includes('/frames/')) frameRequests++;
      return fetch(input, init);
    };
    const t0 = performance.now();
    const web = await openSlide(series, { jpegDecoder: sharpJpeg, fetchImpl: counting });
    console.log(`DICOMweb: opened in ${Math.round(performance.now() - t0)} ms`);
    const local = await openSlide(
      await Promise.all(files.map(async (f) => new File([await openAsBlob(f)], f))),
      { jpegDecoder: sharpJpeg },
    );
    expect(web.metadata.format).toBe('dicom');
    expect(web.metadata.levels).toEqual(local.metadata.levels);
    expect(web.metadata.mpp).toBeCloseTo(0.499, 3);
    // a 1200×900 view at full resolution: 6×5 tiles of 240 px
    const region = { x: 480, y: 720, width: 1200, height: 900, downsample: 1 };
    const a = await web.readRegion(region);
    const b = await local.readRegion(region);
    expect(sameBytes(a.data, b.data)).toBe(true);
    const tiles = 5 * 4 + 5 + 4 + 1; // tiles the region touches: 6 across × 5 down
    console.log(`DICOMweb: ${frameRequests} frame requests for ${tiles} tiles`);
    expect(frameRequests).toBeGreaterThan(0);
    expect(frameRequests).toBeLessThan(tiles);
    web.close();
    local.close();
  });

  it('404, 401 and 403 are explained', async () => {
    await expect(openSlide(series.replace(/series\/[0-9.]+/, 'series/1.2.3.4'), {})).rejects.toMatchObject({
      code: 'http-status',
      message: expect.stringMatching(/HTTP 404.*UIDs/),
    });
    await expect(openSlide(lockedSeries, { bearerToken: 'not-a-token' })).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/HTTP 401.*token/),
    });
    fault = 'forbidden';
    const s = await openSlide(viaProxy(), { jpegDecoder: sharpJpeg });
    await expect(s.getTile({ level: 0, x: 0, y: 0 })).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/HTTP 403/),
    });
    s.close();
    fault = 'none';
  });

  it('a non-multipart frames answer is an error; a connection dropped mid-frame is retried', async () => {
    fault = 'html';
    const s = await openSlide(viaProxy(), { jpegDecoder: sharpJpeg });
    await expect(s.getTile({ level: 0, x: 1, y: 1 })).rejects.toMatchObject({
      code: 'corrupt',
      message: expect.stringMatching(/text\/html, not multipart\/related/),
    });
    s.close();
    fault = 'drop-once';
    const again = await openSlide(viaProxy(), { jpegDecoder: sharpJpeg });
    const t0 = performance.now();
    const t = await again.getTile({ level: 0, x: 4, y: 6 });
    expect(dropped).toBe(1);
    const local = await openSlide([new File([await openAsBlob(files[0])], files[0])], {
      jpegDecoder: sharpJpeg,
    });
    expect(sameBytes(t.data, (await local.getTile({ level: 0, x: 4, y: 6 })).data)).toBe(true);
    console.log(`DICOMweb: dropped frame answer retried, tile in ${Math.round(performance.now() - t0)} ms`);
    local.close();
    again.close();
    fault = 'none';
  });
});
