import { describe, expect, it } from 'vitest';
import { ScreenClaims } from './screen-claims';

const cells = (...xs: [number, number][]) => xs.map(([col, row]) => ({ col, row }));
const keys = (ps: { col: number; row: number }[]) => ps.map((p) => `${p.col},${p.row}`);
const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((r) => setTimeout(r, 0));
  return done;
};

describe('ScreenClaims (screen patches of runs that go at once)', () => {
  it('a second run computes only what the first is not, and waits for the rest', async () => {
    const claims = new ScreenClaims();
    const slide = {};
    const a = claims.claim(slide, 'screen', cells([0, 0], [1, 0], [2, 0]));
    const b = claims.claim(slide, 'screen', cells([1, 0], [2, 0], [3, 0]));
    expect(keys(a.mine)).toEqual(['0,0', '1,0', '2,0']);
    expect(a.theirs).toEqual([]);
    expect(await settled(a.others())).toBe(true); // the first waits for nobody
    expect(keys(b.mine)).toEqual(['3,0']);
    expect(keys(b.theirs)).toEqual(['1,0', '2,0']);
    expect(await settled(b.others())).toBe(false);
    a.release();
    expect(await settled(b.others())).toBe(true);
    // released claims are gone: a third run computes them itself (they are in the store by then)
    const c = claims.claim(slide, 'screen', cells([1, 0]));
    expect(keys(c.mine)).toEqual(['1,0']);
    b.release();
    c.release();
  });

  it('other screens and other slides do not share', () => {
    const claims = new ScreenClaims();
    const slide = {};
    claims.claim(slide, 'screen', cells([0, 0]));
    expect(keys(claims.claim(slide, 'other', cells([0, 0])).mine)).toEqual(['0,0']);
    expect(keys(claims.claim({}, 'screen', cells([0, 0])).mine)).toEqual(['0,0']);
  });

  it('a run that waits on two others goes on once both released; release is idempotent', async () => {
    const claims = new ScreenClaims();
    const slide = {};
    const a = claims.claim(slide, 's', cells([0, 0]));
    const b = claims.claim(slide, 's', cells([1, 0]));
    const c = claims.claim(slide, 's', cells([0, 0], [1, 0], [2, 0]));
    expect(keys(c.mine)).toEqual(['2,0']);
    a.release();
    a.release();
    expect(await settled(c.others())).toBe(false);
    b.release();
    expect(await settled(c.others())).toBe(true);
  });
});
