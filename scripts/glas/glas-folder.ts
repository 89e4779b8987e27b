// Node side of the GlaS dataset reader: lists a GlaS-style folder (img/*.png, mask/*.png,
// Grade.csv; see src/glas/glas-dataset.ts), checks that every row has its image and mask of the
// same size, and decodes masks. Every problem is a GlasDataError naming the file.

import { existsSync, readFileSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { GlasDataError, type GlasRow, parseGradeCsv } from '../../src/glas/glas-dataset';
import { type LabelImage, labelImage } from '../../src/glas/label-image';

export interface GlasItem extends GlasRow {
  image: string;
  mask: string;
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const MAX_SIDE = 10_000;

/** Width and height from a PNG's IHDR, without decoding it. */
export async function pngSize(file: string): Promise<{ width: number; height: number }> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(24);
    const { bytesRead } = await fh.read(b, 0, 24, 0);
    if (
      bytesRead < 24 ||
      PNG_SIGNATURE.some((v, i) => b[i] !== v) ||
      b.toString('latin1', 12, 16) !== 'IHDR'
    ) {
      throw new GlasDataError(file, 'not a PNG file');
    }
    const width = b.readUInt32BE(16);
    const height = b.readUInt32BE(20);
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
      throw new GlasDataError(file, `PNG of ${width}×${height} px is outside 1..${MAX_SIDE} per side`);
    }
    return { width, height };
  } finally {
    await fh.close();
  }
}

export async function readGlasFolder(dir: string): Promise<GlasItem[]> {
  const csv = join(dir, 'Grade.csv');
  if (!existsSync(csv))
    throw new GlasDataError(csv, 'missing (a GlaS folder holds img/, mask/ and Grade.csv)');
  const rows = parseGradeCsv(readFileSync(csv, 'utf8'), csv);
  for (const sub of ['img', 'mask']) {
    if (!existsSync(join(dir, sub))) throw new GlasDataError(join(dir, sub), 'missing folder');
  }
  const listed = new Set(rows.map((r) => r.name));
  for (const f of await readdir(join(dir, 'img'))) {
    const stem = f.replace(/\.png$/i, '');
    if (stem !== f && !listed.has(stem)) throw new GlasDataError(join(dir, 'img', f), `not listed in ${csv}`);
  }
  const items: GlasItem[] = [];
  for (const r of rows) {
    const image = join(dir, 'img', `${r.name}.png`);
    const mask = join(dir, 'mask', `${r.name}.png`);
    if (!existsSync(image)) throw new GlasDataError(image, `missing (listed in ${csv})`);
    if (!existsSync(mask)) throw new GlasDataError(mask, `missing: ${r.name} has no mask`);
    const is = await pngSize(image);
    const ms = await pngSize(mask);
    if (is.width !== ms.width || is.height !== ms.height) {
      throw new GlasDataError(
        mask,
        `mask is ${ms.width}×${ms.height} px, its image ${is.width}×${is.height}`,
      );
    }
    items.push({ ...r, image, mask, ...is });
  }
  return items;
}

/** The mask's instance labels (one 8- or 16-bit grey channel, 0 = background). */
export function readGlasMask(item: Pick<GlasItem, 'mask' | 'width' | 'height'>): LabelImage {
  const png = decode(readFileSync(item.mask));
  if (png.width !== item.width || png.height !== item.height) {
    throw new GlasDataError(
      item.mask,
      `mask is ${png.width}×${png.height} px, expected ${item.width}×${item.height}`,
    );
  }
  if (png.channels !== 1 || png.palette) {
    throw new GlasDataError(
      item.mask,
      `mask has ${png.channels} channel(s)${png.palette ? ' (palette)' : ''}; expected one grey channel of labels`,
    );
  }
  return labelImage(png.width, png.height, png.data);
}
