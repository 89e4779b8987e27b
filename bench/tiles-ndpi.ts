// The NDPI part of `npm run bench -- tiles`: the app's readRegion (in Chromium, through the slide
// worker) against OpenSlide's region reads (openslide-write-png) of the same areas, on the real
// sample in ../shared (else the generated fixture); and the time bad NDPI files take to fail
// (the bar is 2 s). openslide-write-png is a process per region: its time for a 1×1 region (start,
// open, one tile) is reported too, and subtracted in `openslideMinusStartupMs`.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { BAD_FIXTURES } from '../scripts/fixtures/bad-fixtures';
import { makeNdpi } from '../scripts/fixtures/ndpi-fixtures';
import { startSlideServer } from '../scripts/serve-slides';
import { sharedPath } from '../src/util/node/shared-data';

const OPENSLIDE = '/usr/bin/openslide-write-png';
const RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
  /** OpenSlide's level (ours: the same downsample) */
  level: number;
  downsample: number;
}

function openslideMs(file: string, a: Area, out: string): number {
  const t0 = performance.now();
  execFileSync(OPENSLIDE, [file, `${a.x}`, `${a.y}`, `${a.level}`, `${a.width}`, `${a.height}`, out]);
  return performance.now() - t0;
}

export async function benchNdpi(page: Page) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mrn-bench-ndpi-'));
  const sample = sharedPath('ndpi');
  const useSample = existsSync(sample);
  const file = useSample ? sample : path.join(dir, 'fixture.ndpi');
  if (!useSample) writeFileSync(file, await makeNdpi());
  for (const f of BAD_FIXTURES.filter((b) => b.file.endsWith('.ndpi')))
    writeFileSync(path.join(dir, f.file), await f.make());
  const slideServer = await startSlideServer(path.dirname(file));
  const badServer = await startSlideServer(dir);
  try {
    const url = `${slideServer.url}/${path.basename(file)}`;
    const openMs = await page.evaluate(async (u) => {
      const t0 = performance.now();
      await window.mrnViewer!.open(u);
      return performance.now() - t0;
    }, url);
    const meta = await page.evaluate(() => window.mrnViewer!.state());
    const w = meta.width ?? 0;
    const h = meta.height ?? 0;
    // 512² areas at level 0 spread over the slide, and whole-level-ish reads at downsample 4
    const areas: Area[] = [
      ...[0.2, 0.45, 0.7].flatMap((fy) =>
        [0.15, 0.55].map((fx) => ({
          x: Math.floor(w * fx),
          y: Math.floor(h * fy),
          width: 512,
          height: 512,
          level: 0,
          downsample: 1,
        })),
      ),
      { x: 0, y: 0, width: Math.floor(w / 4), height: Math.floor(h / 4), level: 2, downsample: 4 },
    ];
    const haveOpenSlide = existsSync(OPENSLIDE);
    const startup = haveOpenSlide
      ? median(
          Array.from({ length: RUNS }, () =>
            openslideMs(
              file,
              { x: 0, y: 0, width: 1, height: 1, level: 0, downsample: 1 },
              path.join(dir, 'o.png'),
            ),
          ),
        )
      : null;
    const regions: {
      area: string;
      appColdMs: number;
      openslideMs: number | null;
      openslideMinusStartupMs: number | null;
    }[] = [];
    for (const a of areas) {
      // the first read is cold (tiles decoded); later reads hit the tile cache, so only the first
      // is compared with OpenSlide, which decodes every time
      const appMs = await page.evaluate(
        async (r) => {
          const t0 = performance.now();
          await window.mrnViewer!.readRegion(r);
          return performance.now() - t0;
        },
        { x: a.x, y: a.y, width: a.width, height: a.height, downsample: a.downsample },
      );
      const os = haveOpenSlide
        ? median(Array.from({ length: RUNS }, () => openslideMs(file, a, path.join(dir, 'o.png'))))
        : null;
      regions.push({
        area: `${a.width}x${a.height} at (${a.x}, ${a.y}), downsample ${a.downsample}`,
        appColdMs: Math.round(appMs),
        openslideMs: os === null ? null : Math.round(os),
        openslideMinusStartupMs:
          os === null || startup === null ? null : Math.round(Math.max(0, os - startup)),
      });
    }
    const sum = (k: 'appColdMs' | 'openslideMinusStartupMs') => regions.reduce((s, r) => s + (r[k] ?? 0), 0);
    const bad = [];
    for (const f of BAD_FIXTURES.filter((b) => b.file.endsWith('.ndpi'))) {
      const r = await page.evaluate(async (u) => {
        const t0 = performance.now();
        let error = '';
        try {
          await window.mrnViewer!.open(u);
          // failures found on reading (McuStarts not at restart markers) show on the first tiles
          await window.mrnViewer!.readRegion({ x: 0, y: 0, width: 256, height: 256, downsample: 1 });
          error = window.mrnViewer!.state().error ?? '';
        } catch (e) {
          error = (e as Error).message;
        }
        return { ms: performance.now() - t0, error };
      }, `${badServer.url}/${f.file}`);
      bad.push({ file: f.file, failedWithMessage: r.error.length > 0, ms: Math.round(r.ms) });
    }
    return {
      slide: useSample ? 'slideio-test3-tritc.ndpi (../shared)' : 'generated fixture',
      openMs: Math.round(openMs),
      levels: meta.levels
        .filter((l) => !l.synthetic)
        .map((l) => `${l.width}x${l.height} (${l.tileWidth}x${l.tileHeight} tiles)`),
      openslideStartupMs: startup === null ? null : Math.round(startup),
      regions,
      appColdTotalMs: sum('appColdMs'),
      openslideMinusStartupTotalMs: haveOpenSlide ? sum('openslideMinusStartupMs') : null,
      badInput: bad,
      badInputMaxMs: Math.max(...bad.map((b) => b.ms)),
    };
  } finally {
    await slideServer.close();
    await badServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
