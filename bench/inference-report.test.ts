import { describe, expect, it } from 'vitest';
import { parseRowSpec } from './inference-chromium';
import {
  assembleRows,
  gflopPerMm2,
  goal,
  hardwareLimit,
  keptMm2PerTile,
  rate,
  ratio,
} from './inference-report';

const t64 = { size: 64, trained: 64, mpp: 1 };
const t256 = { size: 256, trained: 64, mpp: 1 };

describe('inference report', () => {
  it('keeps the trained margin at every tile size', () => {
    // 64 − 2·8 = 48 µm and 256 − 2·8 = 240 µm at 1 µm/px
    expect(keptMm2PerTile(t64)).toBeCloseTo(0.048 ** 2, 12);
    expect(keptMm2PerTile(t256)).toBeCloseTo(0.24 ** 2, 12);
    expect(keptMm2PerTile({ size: 64, trained: 64, mpp: 4 })).toBeCloseTo(0.192 ** 2, 12);
    expect(() => keptMm2PerTile({ size: 16, trained: 64, mpp: 1 })).toThrow(/keeps nothing/);
  });

  it('turns FLOPs and a peak into the best mm²/s', () => {
    // MRN at 64 px: 466 485 248 FLOPs over 0.002304 mm² = 202.5 GFLOP/mm²
    expect(gflopPerMm2(466_485_248, t64)).toBeCloseTo(202.47, 2);
    const limit = hardwareLimit(466_485_248, 300, t64, { tissueMm2: 2, tiles: 1000 });
    expect(limit.gflopPerMm2).toBeCloseTo(202.5, 1);
    expect(limit.bestTilesPerSecond).toBeCloseTo(300e9 / 466_485_248, 2);
    expect(limit.bestKeptMm2PerSecond).toBeCloseTo(300 / 202.47, 3);
    expect(limit.bestMm2PerSecond).toBeCloseTo(((300e9 / 466_485_248) * 2) / 1000, 3);
  });

  it('converts tiles/s to kept and tissue mm²/s', () => {
    expect(rate(10, t256, { tissueMm2: 2, tiles: 40 })).toEqual({
      tilesPerSecond: 10,
      keptMm2PerSecond: 0.576,
      mm2PerSecond: 0.5,
    });
    expect(rate(10, t256).mm2PerSecond).toBeNull();
  });

  it('ratios are null when a side is missing', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
    expect(goal('x', 3.2, 3)).toEqual({ what: 'x', ratio: 3.2, goal: 3, met: true });
    expect(goal('x', null, 3).met).toBeNull();
  });

  it('assembles rows against PyTorch, the hardware and the legacy row', () => {
    const plan64 = { tissueMm2: 2, tiles: 1000 };
    const plan256 = { tissueMm2: 2, tiles: 50 };
    const rows = assembleRows(
      [
        { model: 'm', spec: 'wasm@1:64', backend: 'wasm', tile: t64, tilesPerSecond: 20, plan: plan64 },
        { model: 'm', spec: 'auto', backend: 'auto', tile: t256, tilesPerSecond: 2, plan: plan256 },
        { model: 'm', spec: 'webgpu', backend: 'webgpu', tile: t256, error: 'not available' },
      ],
      {
        torchTilesPerSecond: (_m, size) => (size === 64 ? 100 : 8),
        torchOneThreadTilesPerSecond: (_m, size) => (size === 64 ? 40 : null),
        flopsPerTile: (_m, size) => (size === 64 ? 1e9 : 16e9),
        peakGflopPerSecond: 320,
        legacySpec: 'wasm@1:64',
      },
    );
    expect(rows[0]).toMatchObject({
      vsPyTorch: 0.2,
      fractionOfHardware: 0.0625,
      gflopPerSecond: 20,
      vsLegacy: 1,
    });
    expect(rows[0].rate?.mm2PerSecond).toBe(0.04);
    expect(rows[0].vsPyTorchOneThread).toBe(0.5);
    expect(rows[1].vsPyTorchOneThread).toBeNull();
    // 2 tiles/s of 50 for 2 mm² = 0.08 mm²/s, 2× the legacy's 0.04
    expect(rows[1]).toMatchObject({
      vsPyTorch: 0.25,
      fractionOfHardware: 0.1,
      gflopPerSecond: 32,
      vsLegacy: 2,
    });
    expect(rows[2]).toEqual({
      model: 'm',
      spec: 'webgpu',
      backend: 'webgpu',
      tile: t256,
      error: 'not available',
    });
  });

  it('parses row specs', () => {
    expect(parseRowSpec('wasm@1:64')).toEqual({ backend: 'wasm', cores: 1, tileSize: 64 });
    expect(parseRowSpec('auto')).toEqual({ backend: 'auto' });
    expect(parseRowSpec('wasm:256')).toEqual({ backend: 'wasm', tileSize: 256 });
    expect(parseRowSpec('wasm@1:64/raw')).toEqual({
      backend: 'wasm',
      cores: 1,
      tileSize: 64,
      optimize: false,
    });
    expect(() => parseRowSpec('wasm@x')).toThrow(/backend\[@cores\]/);
  });
});
