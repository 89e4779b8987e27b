import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseUrlState, writeSlideParam } from './url-state';

/** The state of an address with nothing (valid) in it. */
const NOTHING = {
  slide: null,
  results: null,
  view: null,
  drawer: null,
  coalesce: true,
  prefetch: true,
  cascade: null,
  prewarm: true,
  tile: null,
  flips: null,
  optimize: true,
};

describe('parseUrlState', () => {
  it('reads the deep link: slide, view and drawer', () => {
    expect(parseUrlState('?slide=/demo/demo.tiff&x=10&y=20&zoom=0.5&drawer=webgl')).toEqual({
      slide: '/demo/demo.tiff',
      results: null,
      view: { x: 10, y: 20, zoom: 0.5 },
      drawer: 'webgl',
      coalesce: true,
      prefetch: true,
      cascade: null,
      prewarm: true,
      tile: null,
      flips: null,
      optimize: true,
    });
    expect(parseUrlState('?slide=a.svs&coalesce=0').coalesce).toBe(false);
    expect(parseUrlState('?slide=a.svs&prefetch=0').prefetch).toBe(false);
    expect(parseUrlState('?slide=a.svs&prefetch=1').prefetch).toBe(true);
    expect(parseUrlState('?slide=a.svs&cascade=0').cascade).toBe(false);
    expect(parseUrlState('?cascade=1').cascade).toBe(true);
    expect(parseUrlState('?slide=a.svs&prewarm=0').prewarm).toBe(false);
    expect(parseUrlState('?prewarm=1').prewarm).toBe(true);
    expect(parseUrlState('?tile=64').tile).toBe(64);
    expect(parseUrlState('?tile=256').tile).toBe(256);
    expect(parseUrlState('?tile=big').tile).toBe(null);
    expect(parseUrlState('?tile=0').tile).toBe(null);
    expect(parseUrlState('?flips=4').flips).toBe(4);
    expect(parseUrlState('?flips=8').flips).toBe(8);
    expect(parseUrlState('?flips=3').flips).toBe(null);
    expect(parseUrlState('?flips=').flips).toBe(null);
    expect(parseUrlState('?optimize=0').optimize).toBe(false);
    expect(parseUrlState('?optimize=1').optimize).toBe(true);
  });

  it('reads batch results opened over the slide', () => {
    const q = `?slide=${encodeURIComponent('http://h/s/a.tiff')}&results=${encodeURIComponent('http://h/out/a/')}`;
    expect(parseUrlState(q)).toMatchObject({ slide: 'http://h/s/a.tiff', results: 'http://h/out/a/' });
  });

  it('leaves out what is missing or malformed', () => {
    expect(parseUrlState('')).toEqual(NOTHING);
    expect(parseUrlState('?slide=&x=1&y=2&results=')).toEqual(NOTHING);
    expect(parseUrlState('?slide=a.svs&x=1&y=2&zoom=-1').view).toBeNull();
  });
});

describe('writeSlideParam', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** a page at `href` whose history records what replaceState is given */
  function page(href: string) {
    const calls: string[] = [];
    const location = { href };
    vi.stubGlobal('window', {
      location,
      history: {
        replaceState: (_state: unknown, _title: string, url: URL) => {
          calls.push(String(url));
          location.href = String(url);
        },
      },
    });
    return calls;
  }

  it('leaves the history alone when a deep link opens its own slide, and rewrites it otherwise', () => {
    const link = `http://app.test/?slide=${encodeURIComponent('http://127.0.0.1:9/a b.svs')}&x=1&y=2&zoom=0.5`;
    const calls = page(link);
    writeSlideParam('http://127.0.0.1:9/a b.svs', true);
    expect(calls).toEqual([]);
    writeSlideParam('http://127.0.0.1:9/a b.svs', false); // the view goes
    expect(calls).toHaveLength(1);
    expect(new URL(calls[0]).searchParams.get('zoom')).toBe(null);
    writeSlideParam('/demo/demo.tiff', false);
    expect(new URL(calls[1]).searchParams.get('slide')).toBe('/demo/demo.tiff');
    writeSlideParam(null, false);
    expect(new URL(calls[2]).search).toBe('');
  });
});
