import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  makePhilipsTiff,
  PHILIPS_MPP,
  PHILIPS_SIZE,
  PHILIPS_TILE,
} from '../../scripts/fixtures/philips-fixtures';
import { openBytes } from './test-helpers';

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

const haveOpenSlide = have('openslide-show-properties') && have('openslide-write-png');

describe('Philips TIFF (generated fixture)', () => {
  it('is detected by its DPUfsImport XML: levels and mpp from the XML, sparse tiles are background', async () => {
    const s = await openBytes(await makePhilipsTiff(), 'philips.tiff');
    const m = s.metadata;
    expect(m.format).toBe('philips-tiff');
    expect(m.vendor).toBe('philips');
    expect([m.width, m.height]).toEqual([PHILIPS_SIZE.width, PHILIPS_SIZE.height]);
    expect(m.mpp).toBeCloseTo(PHILIPS_MPP, 9);
    expect(m.mppSource).toBe('philips');
    expect(m.levels.filter((l) => !l.synthetic).map((l) => [l.width, l.downsample])).toEqual([
      [2048, 1],
      [1024, 2],
      [512, 4],
    ]);
    const blank = await s.getTile({ level: 0, x: 0, y: 0 }); // TileOffsets 0
    expect(blank.data.every((v) => v === 255)).toBe(true);
    const kept = await s.getTile({ level: 0, x: 1, y: 0 });
    expect(kept.data.some((v) => v < 230)).toBe(true);
    s.close();
  });

  it.skipIf(!haveOpenSlide)('OpenSlide reads it as vendor philips, with the same pixels', async () => {
    const bytes = await makePhilipsTiff();
    const dir = mkdtempSync(join(tmpdir(), 'mrn-philips-'));
    const file = join(dir, 'philips.tiff');
    writeFileSync(file, bytes);
    const props = execFileSync('openslide-show-properties', [file], { encoding: 'utf8' });
    expect(props).toMatch(/openslide\.vendor: 'philips'/);
    expect(props).toMatch(/openslide\.level-count: '3'/);
    const s = await openBytes(bytes, 'philips.tiff');
    for (const [level, x, y, w, h] of [
      [0, 0, 0, 3 * PHILIPS_TILE, 2 * PHILIPS_TILE],
      [1, 512, 256, 400, 300],
      [2, 0, 0, 512, 384],
    ]) {
      const png = join(dir, `l${level}.png`);
      execFileSync('openslide-write-png', [
        file,
        String(x),
        String(y),
        String(level),
        String(w),
        String(h),
        png,
      ]);
      const ref = await sharp(png).ensureAlpha().raw().toBuffer();
      const d = 2 ** level;
      const ours = await s.readRegion({ x, y, width: w, height: h, downsample: d });
      let diff = 0;
      let compared = 0;
      for (let i = 0; i < w * h; i++) {
        if (ref[i * 4 + 3] === 0) {
          // OpenSlide leaves sparse tiles transparent; they are background (white) here
          expect(ours.data[i * 4]).toBe(255);
          continue;
        }
        compared++;
        for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(ours.data[i * 4 + c] - ref[i * 4 + c]));
      }
      expect(compared).toBeGreaterThan(w * h * 0.5);
      expect(diff, `level ${level}`).toBeLessThanOrEqual(0);
    }
    s.close();
  });
});
