// OpenSlide as the reference reader of the parity tests: a region through `openslide-write-png`
// as RGBA, and how far our pixels are from it over the pixels OpenSlide draws (it leaves what
// lies outside the slide, and sparse tiles, transparent).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { SlideReader } from './slide-reader';
import type { RgbaImage } from './slide-types';

export const haveOpenSlide = existsSync('/usr/bin/openslide-write-png');

let tmp: string | null = null;
let serial = 0;

/** OpenSlide's RGBA of a w×h region of `level` whose top left is (x, y) in level-0 pixels. */
export async function openslideRegion(
  path: string,
  x: number,
  y: number,
  level: number,
  w: number,
  h: number,
): Promise<Buffer> {
  tmp ??= mkdtempSync(join(tmpdir(), 'openslide-ref-'));
  const out = join(tmp, `r${serial++}.png`);
  execFileSync('openslide-write-png', [path, String(x), String(y), String(level), String(w), String(h), out]);
  const rgba = await sharp(out).ensureAlpha().raw().toBuffer();
  rmSync(out);
  return rgba;
}

/** Mean absolute RGB difference over the pixels OpenSlide draws (`n` of them; NaN when none). */
export function openslideDiff(a: RgbaImage, ref: Buffer): { mad: number; n: number } {
  let d = 0;
  let n = 0;
  for (let i = 0; i < ref.length; i += 4) {
    if (ref[i + 3] === 0) continue;
    for (let c = 0; c < 3; c++) d += Math.abs(a.data[i + c] - ref[i + c]);
    n += 3;
  }
  return { mad: d / n, n: n / 3 };
}

/** OpenSlide numbers every native level (it adds its own in between); ours may interleave synthetic ones. */
export function openslideLevel(slide: SlideReader, level: number): number {
  return slide.metadata.levels.slice(0, level).filter((l) => !l.synthetic).length;
}

/**
 * One region at a native level through us and through OpenSlide, as the mean absolute difference;
 * the same region shifted by (24, 16) level pixels is the control, which must differ.
 */
export async function openslideParity(
  slide: SlideReader,
  path: string,
  level: number,
  x: number,
  y: number,
  w: number,
  h: number,
): Promise<{ mad: number; control: number }> {
  const ds = slide.metadata.levels[level].downsample;
  const ours = await slide.readRegion({ x, y, width: w, height: h, downsample: ds });
  const ref = await openslideRegion(path, x, y, openslideLevel(slide, level), w, h);
  const shifted = await slide.readRegion({
    x: x + 24 * ds,
    y: y + 16 * ds,
    width: w,
    height: h,
    downsample: ds,
  });
  return { mad: openslideDiff(ours, ref).mad, control: openslideDiff(shifted, ref).mad };
}
