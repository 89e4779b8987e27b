import { describe, expect, it } from 'vitest';
import { maskTruth } from '../heatmap/metrics';
import { type ModelResult, poolCounts, scores, summarise } from './evaluation';

const result = (
  id: string,
  architecture: string,
  upsampling: string,
  targetMpp: number,
  tp: number,
  fp: number,
  fn: number,
): ModelResult => ({
  id,
  architecture,
  upsampling,
  targetMpp,
  contextMpp: architecture === 'mrn' ? 4 : null,
  pooled: scores({ tp, fp, fn, tn: 100 }),
});

describe('evaluation helpers', () => {
  it('reads truth from a level-0 grid mask', () => {
    // 3×2 mask at 2 level-0 px per cell
    const mask = { x: 0, y: 0, width: 3, height: 2, downsample: 2, data: new Uint8Array([0, 1, 0, 1, 1, 0]) };
    const truth = maskTruth(mask);
    expect(truth(3, 1)).toBe(true); // cell (1, 0)
    expect(truth(1, 1)).toBe(false);
    expect(truth(1, 3)).toBe(true); // cell (0, 1)
    expect(truth(7, 1)).toBe(false); // outside
  });

  it('scores counts, empty against empty as agreement', () => {
    const s = scores({ tp: 6, fp: 2, fn: 4, tn: 88 });
    expect(s.iou).toBeCloseTo(0.5);
    expect(s.dice).toBeCloseTo(12 / 18);
    expect(s.precision).toBeCloseTo(0.75);
    expect(s.recall).toBeCloseTo(0.6);
    expect(s.pixels).toBe(100);
    expect(scores({ tp: 0, fp: 0, fn: 0, tn: 5 }).iou).toBe(1);
  });

  it('pools pixels, not slide averages', () => {
    // slide A: IoU 1 on a tiny tumour; slide B: IoU 0.2 on a big one → pooled is near B
    const pooled = poolCounts([
      { tp: 1, fp: 0, fn: 0, tn: 10 },
      { tp: 20, fp: 40, fn: 40, tn: 10 },
    ]);
    expect(pooled.iou).toBeCloseTo(21 / 101);
    expect(pooled.tn).toBe(20);
  });

  it('summarises U-Net per mpp, MRN against the U-Nets and transposed against bilinear', () => {
    const s = summarise([
      result('unet-context', 'unet', 'transposed', 4, 30, 20, 50), // IoU 0.3
      result('unet', 'unet', 'transposed', 1, 50, 30, 20), // IoU 0.5
      result('mrn-transposed', 'mrn', 'transposed', 1, 65, 20, 15), // IoU 0.65
      result('mrn-bilinear', 'mrn', 'bilinear', 1, 55, 25, 20), // IoU 0.55
    ]);
    expect(s.unetPerMpp.map((r) => [r.mpp, r.id, r.iou])).toEqual([
      [1, 'unet', 0.5],
      [4, 'unet-context', 0.3],
    ]);
    const t = s.mrnVsUnet.filter((r) => r.a === 'mrn-transposed');
    expect(t.map((r) => [r.versus, r.b, r.iouDelta, r.meetsGoal])).toEqual([
      ['same-mpp', 'unet', 0.15, true],
      ['best', 'unet', 0.15, true],
    ]);
    const b = s.mrnVsUnet.find((r) => r.a === 'mrn-bilinear' && r.versus === 'same-mpp');
    expect(b?.iouDelta).toBeCloseTo(0.05);
    expect(b?.meetsGoal).toBe(false);
    expect(s.transposedVsBilinear).toMatchObject({ a: 'mrn-transposed', b: 'mrn-bilinear', iouDelta: 0.1 });
  });

  it('leaves out comparisons whose models did not run', () => {
    const s = summarise([result('mrn-bilinear', 'mrn', 'bilinear', 1, 1, 1, 1)]);
    expect(s.mrnVsUnet).toEqual([]);
    expect(s.transposedVsBilinear).toBeNull();
  });
});
