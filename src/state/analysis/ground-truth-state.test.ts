import { describe, expect, it } from 'vitest';
import { fetchSidecar } from './ground-truth-state';

const answer = (ok: boolean, text: string) => async () => ({ ok, text: async () => text });

describe('fetchSidecar', () => {
  const signal = new AbortController().signal;

  it('reads <name>.geojson beside the slide, whatever the server calls it', async () => {
    const asked: string[] = [];
    const found = await fetchSidecar('/data/case.svs?sig=1', signal, async (url) => {
      asked.push(url);
      return { ok: true, text: async () => '{"type":"FeatureCollection","features":[]}' };
    });
    expect(asked).toEqual(['/data/case.geojson']);
    expect(found).toMatchObject({ url: '/data/case.geojson', name: 'case.geojson' });
    expect(found?.text).toMatch(/FeatureCollection/);
  });

  it('is null without a URL, for a missing file, a refused fetch or a single-page index', async () => {
    expect(await fetchSidecar(null, signal, answer(true, '{}'))).toBeNull();
    expect(await fetchSidecar('/x/a.png', signal, answer(true, '{}'))).toBeNull();
    expect(await fetchSidecar('/x/a.tiff', signal, answer(false, 'not found'))).toBeNull();
    expect(await fetchSidecar('/x/a.tiff', signal, answer(true, '<!DOCTYPE html><html>'))).toBeNull();
    const refused = async () => Promise.reject(new TypeError('Failed to fetch'));
    expect(await fetchSidecar('/x/a.tiff', signal, refused)).toBeNull();
  });

  it('passes the signal on and rejects when it aborts', async () => {
    const c = new AbortController();
    const pending = fetchSidecar('/x/a.tiff', c.signal, (_url, init) => {
      expect(init.signal).toBe(c.signal);
      return new Promise((_, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    });
    c.abort(new DOMException('closed', 'AbortError'));
    await expect(pending).rejects.toThrow(/closed/);
  });
});
