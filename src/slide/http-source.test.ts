import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLzwTiff } from '../../scripts/fixtures/good-fixtures';
import { openSlide } from './open-slide';
import { sharpJpeg } from './test-helpers';

type Mode = 'range' | 'ignore-range' | 'ignore-range-chunked' | 'flaky' | 'flaky-always';

describe('HTTP range source against a local server', () => {
  let file: Uint8Array;
  let server: Server;
  let base = '';
  const log: { mode: string; range: string | undefined; status: number }[] = [];
  let flakyFailures = 0;
  let dropping = false;

  beforeAll(async () => {
    file = await makeLzwTiff();
    server = createServer((req, res) => {
      const [, mode] = (req.url ?? '').split('/') as [string, Mode | 'missing'];
      const range = req.headers.range;
      const send = (status: number) => log.push({ mode, range, status });
      if (mode === 'missing') {
        send(404);
        res.writeHead(404, 'Not Found').end('no such slide');
        return;
      }
      const m = range ? /bytes=(\d+)-(\d+)/.exec(range) : null;
      if (
        (mode === 'flaky' && m && Number(m[1]) > 0 && flakyFailures < 2) ||
        (mode === 'flaky-always' && m && dropping)
      ) {
        flakyFailures++;
        send(0);
        req.socket.destroy(); // connection drops mid-session
        return;
      }
      if (mode === 'ignore-range' || mode === 'ignore-range-chunked' || !m) {
        send(200);
        const headers: Record<string, string> = { 'Content-Type': 'image/tiff' };
        if (mode !== 'ignore-range-chunked') headers['Content-Length'] = String(file.length);
        res.writeHead(200, headers);
        res.end(Buffer.from(file));
        return;
      }
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), file.length - 1);
      send(206);
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${end}/${file.length}`,
        'Content-Length': String(end - start + 1),
        'Accept-Ranges': 'bytes',
      });
      res.end(Buffer.from(file.subarray(start, end + 1)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reads a slide with Range requests, never downloading it whole', async () => {
    log.length = 0;
    const s = await openSlide(`${base}/range/lzw.tif`, { jpegDecoder: sharpJpeg });
    expect(s.metadata.name).toBe('lzw.tif');
    expect(s.metadata.byteLength).toBe(file.length);
    const t = await s.getTile({ level: 0, x: 2, y: 1 });
    expect(Array.from(t.data.subarray(0, 3))).toEqual([512 & 255, 256 & 255, (2 << 4) | 1]);
    expect(log.every((l) => l.status === 206)).toBe(true);
    expect(s.stats().bytesRead).toBeLessThan(file.length / 4);
    s.close();
  });

  it('falls back to one full download when the server ignores Range, under the cap', async () => {
    const s = await openSlide(`${base}/ignore-range/lzw.tif`, { jpegDecoder: sharpJpeg });
    const t = await s.getTile({ level: 0, x: 0, y: 0 });
    expect(t.width).toBe(256);
    s.close();
  });

  it.each(['ignore-range', 'ignore-range-chunked'])(
    'explains a server that ignores Range when the file is over the cap (%s)',
    async (mode) => {
      await expect(
        openSlide(`${base}/${mode}/lzw.tif`, { limits: { fullDownloadCapBytes: 10_000 } }),
      ).rejects.toMatchObject({
        code: 'range-unsupported',
        message: expect.stringMatching(/Range requests.*Accept-Ranges/),
      });
    },
  );

  it('reports 404 with the status and the URL', async () => {
    const url = `${base}/missing/x.svs`;
    const err = await openSlide(url).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SlideError', code: 'http-status' });
    expect((err as Error).message).toContain('404');
    expect((err as Error).message).toContain(url);
  });

  it('names the CORS headers when fetch is refused', async () => {
    const refusing = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const err = await openSlide('https://elsewhere.example/slide.svs', {
      fetchImpl: refusing,
      limits: { maxRetries: 1 },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cors' });
    for (const h of [
      'Access-Control-Allow-Origin',
      'Access-Control-Allow-Headers: Range',
      'Content-Range',
      'Accept-Ranges',
    ]) {
      expect((err as Error).message).toContain(h);
    }
  });

  it('retries a dropped connection mid-session with backoff, then carries on', async () => {
    flakyFailures = 0;
    const s = await openSlide(`${base}/flaky/lzw.tif`, { jpegDecoder: sharpJpeg });
    const t = await s.getTile({ level: 0, x: 3, y: 2 });
    expect(Array.from(t.data.subarray(0, 3))).toEqual([768 & 255, 512 & 255, (3 << 4) | 2]);
    expect(flakyFailures).toBe(2);
    s.close();
  });

  it('gives a clear network error after bounded retries, and the slide still works afterwards', async () => {
    const s = await openSlide(`${base}/flaky-always/lzw.tif`, {
      jpegDecoder: sharpJpeg,
      limits: { maxRetries: 2 },
    });
    dropping = true;
    const t0 = performance.now();
    const err = await s.getTile({ level: 0, x: 5, y: 4 }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err).toMatchObject({ code: 'network', message: expect.stringMatching(/tried 3 times/) });
    // the failure was not cached: a second try goes to the network again
    await expect(s.getTile({ level: 0, x: 5, y: 4 })).rejects.toMatchObject({ code: 'network' });
    // once the network is back, the same tile reads (no broken state)
    dropping = false;
    const t = await s.getTile({ level: 0, x: 5, y: 4 });
    expect(Array.from(t.data.subarray(0, 3))).toEqual([1280 & 255, 1024 & 255, (5 << 4) | 4]);
    s.close();
  });
});
