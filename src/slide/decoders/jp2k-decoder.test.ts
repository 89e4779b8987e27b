// The JPEG 2000 codestream's header is read before OpenJPEG runs: a tile whose SIZ claims more
// pixels than its tile holds is refused from the header (OpenJPEG would allocate and decode the
// claimed size first: 40 000² took 1.1 s to fail, fuzz seed 7 case 62's kind of cost under load).

import { describe, expect, it } from 'vitest';
import { encodeJ2k } from '../../../scripts/fixtures/jp2k-fixtures';
import { tissuePattern } from '../../../scripts/fixtures/pattern';
import { isSlideError } from '../slide-error';
import { decodeJpeg2000, jpeg2000Size } from './jp2k-decoder';

describe('JPEG 2000 header check', () => {
  it('reads the SIZ size, decodes a tile of its size, refuses one claiming more before decoding', async () => {
    const img = tissuePattern(64, 48);
    const cs = await encodeJ2k(img.data, 64, 48, 3);
    expect(jpeg2000Size(cs)).toEqual({ width: 64, height: 48, components: 3 });
    const ok = await decodeJpeg2000(cs, false, undefined, { width: 64, height: 48 });
    expect([ok.width, ok.height, ok.components]).toEqual([64, 48, 3]);
    // the same codestream with Xsiz, Ysiz and the tile size set to 40 000
    const big = cs.slice();
    const v = new DataView(big.buffer);
    for (const at of [8, 12, 24, 28]) v.setUint32(at, 40_000);
    expect(jpeg2000Size(big)).toEqual({ width: 40_000, height: 40_000, components: 3 });
    const e = await decodeJpeg2000(big, false, undefined, { width: 64, height: 48 }).catch((x: unknown) => x);
    expect(isSlideError(e)).toBe(true);
    // this sentence is the header check's; OpenJPEG's own failure reads "codestream header is damaged"
    expect((e as Error).message).toMatch(/header claims 40000×40000 pixels, not its 64×48 tile/);
    // no SIZ near the start: nothing to check, OpenJPEG decides
    expect(jpeg2000Size(new Uint8Array(100))).toBeNull();
  });
});
