import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shortHash } from './job-key';
import { assignNames, expandInputs, stemOf, urlIdentity, urlName } from './slide-inputs';

describe('slide names', () => {
  it('file stems, URL segments', () => {
    expect(stemOf('Tumor_001.tif')).toBe('Tumor_001');
    expect(stemOf('a.ome.tiff')).toBe('a');
    expect(stemOf('we ird#name.svs')).toBe('we_ird_name');
    expect(urlName('https://h/bucket/CMU-1.svs?X-Amz-Signature=1')).toBe('CMU-1');
    expect(urlName('https://host.org/')).toBe('host.org');
  });

  it('adds the source hash only where two sources share a name', () => {
    const mk = (source: string, name: string) => ({
      kind: 'file' as const,
      source,
      name,
      identity: { source, size: 1, version: '1' },
    });
    const named = assignNames([mk('/a/x.svs', 'x'), mk('/b/x.tiff', 'x'), mk('/c/y.svs', 'y')]);
    expect(named.map((s) => s.name)).toEqual([
      `x-${shortHash('/a/x.svs')}`,
      `x-${shortHash('/b/x.tiff')}`,
      'y',
    ]);
    // the output folder already holds 'y' for another slide; 'x' is owned by /a/x.svs, which keeps it
    const owners = new Map([
      ['y', '/elsewhere/y.svs'],
      ['x', '/a/x.svs'],
    ]);
    const again = assignNames([mk('/a/x.svs', 'x'), mk('/b/x.tiff', 'x'), mk('/c/y.svs', 'y')], owners);
    expect(again.map((s) => s.name)).toEqual([
      'x',
      `x-${shortHash('/b/x.tiff')}`,
      `y-${shortHash('/c/y.svs')}`,
    ]);
  });
});

describe('expandInputs', () => {
  it('walks folders for slides, skips sidecars and masks, treats a DICOM folder as one slide', async () => {
    const d = mkdtempSync(join(tmpdir(), 'inputs-'));
    writeFileSync(join(d, 'a.tiff'), 'x');
    writeFileSync(join(d, 'a.geojson'), '{}');
    writeFileSync(join(d, 'a.mask.png'), 'x');
    writeFileSync(join(d, 'a.json'), '{}');
    mkdirSync(join(d, 'sub', 'series-7'), { recursive: true });
    writeFileSync(join(d, 'sub', 'b.svs'), 'xy');
    writeFileSync(join(d, 'sub', 'series-7', '1.dcm'), 'x');
    writeFileSync(join(d, 'sub', 'series-7', '2.dcm'), 'xyz');
    const slides = await expandInputs([d, join(d, 'a.tiff')]);
    expect(slides.map((s) => [s.kind, s.name])).toEqual([
      ['file', 'a'],
      ['file', 'b'],
      ['dicom-folder', 'series-7'],
    ]);
    expect(slides[2].identity.size).toBe(4);
    expect(slides[0].identity.size).toBe(1);
    expect(slides[0].identity.version).toMatch(/^\d+$/);
    await expect(expandInputs([join(d, 'nope.svs')])).rejects.toThrow(/no such file/);
    await expect(
      expandInputs([join(d, 'sub', 'series-7', '..', '..', 'sub', 'series-7')]),
    ).resolves.toHaveLength(1);
  });

  it('identifies a URL by ETag and length (HEAD), else by a one-byte range read', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/etag.svs') {
        res.writeHead(200, { ETag: '"v1"', 'Content-Length': '1234' });
        res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1234));
      } else if (req.url === '/nohead.svs') {
        if (req.method === 'HEAD') return void res.writeHead(405).end();
        res.writeHead(206, {
          'Last-Modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
          'Content-Range': 'bytes 0-0/999',
        });
        res.end('x');
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await urlIdentity(`${base}/etag.svs`)).toEqual({
        source: `${base}/etag.svs`,
        size: 1234,
        version: '"v1"',
      });
      expect(await urlIdentity(`${base}/nohead.svs`)).toEqual({
        source: `${base}/nohead.svs`,
        size: 999,
        version: 'Tue, 01 Dec 2026 10:00:00 GMT',
      });
      await expect(urlIdentity(`${base}/missing.svs`)).rejects.toThrow(/HTTP 404/);
    } finally {
      server.close();
    }
  });
});
