import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRange, type SlideServer, startSlideServer } from './serve-slides';

describe('serve-slides', () => {
  let server: SlideServer;
  const dir = mkdtempSync(path.join(tmpdir(), 'serve-slides-'));
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
  writeFileSync(path.join(dir, 'a.bin'), bytes);

  beforeAll(async () => {
    server = await startSlideServer(dir);
  });
  afterAll(() => server.close());

  it('parses ranges', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=200-300', 100)).toBe('bad');
    expect(parseRange(undefined, 100)).toBeNull();
  });

  it('serves ranges with CORS headers', async () => {
    const r = await fetch(`${server.url}/a.bin`, { headers: { Range: 'bytes=10-19' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 10-19/1000');
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(Buffer.from(await r.arrayBuffer())).toEqual(bytes.subarray(10, 20));
  });

  it('has no-range, 404 and no-cors modes', async () => {
    const full = await fetch(`${server.url}/no-range/a.bin`, { headers: { Range: 'bytes=10-19' } });
    expect(full.status).toBe(200);
    expect((await full.arrayBuffer()).byteLength).toBe(1000);
    expect((await fetch(`${server.url}/404/a.bin`)).status).toBe(404);
    expect((await fetch(`${server.url}/missing.bin`)).status).toBe(404);
    const noCors = await fetch(`${server.url}/no-cors/a.bin`);
    expect(noCors.status).toBe(200);
    expect(noCors.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('drops requests after n until recovered', async () => {
    server.dropAfter(1);
    expect((await fetch(`${server.url}/drop/a.bin`)).status).toBe(200);
    await expect(fetch(`${server.url}/drop/a.bin`)).rejects.toThrow();
    server.recover();
    expect((await fetch(`${server.url}/drop/a.bin`)).status).toBe(200);
  });
});
