import { describe, expect, it } from 'vitest';
import { parseUrlState } from './url-state';

describe('parseUrlState', () => {
  it('reads the deep link: slide, view and drawer', () => {
    expect(parseUrlState('?slide=/demo/demo.tiff&x=10&y=20&zoom=0.5&drawer=webgl')).toEqual({
      slide: '/demo/demo.tiff',
      view: { x: 10, y: 20, zoom: 0.5 },
      drawer: 'webgl',
      coalesce: true,
    });
    expect(parseUrlState('?slide=a.svs&coalesce=0').coalesce).toBe(false);
  });

  it('leaves out what is missing or malformed', () => {
    expect(parseUrlState('')).toEqual({ slide: null, view: null, drawer: null, coalesce: true });
    expect(parseUrlState('?slide=&x=1&y=2')).toEqual({
      slide: null,
      view: null,
      drawer: null,
      coalesce: true,
    });
    expect(parseUrlState('?slide=a.svs&x=1&y=2&zoom=-1').view).toBeNull();
  });
});
