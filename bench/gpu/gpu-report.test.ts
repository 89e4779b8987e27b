import { describe, expect, it } from 'vitest';
import { type GpuReportInput, type GpuTorchReport, gpuReport, paperPeakFor, runRate } from './gpu-report';
import type { PackManifest } from './pack-manifest';
import type { WebgpuResult } from './webgpu-measure';

// the shipped U-Net's two packed tiles, FLOPs as src/inference/graph-flops.ts counts them
const manifest: PackManifest = {
  createdAt: '2026-12-02T00:00:00.000Z',
  commit: null,
  node: { version: 'v20.20.2', file: 'node.xz' },
  dawn: { package: 'webgpu@0.6.2', file: 'dawn.node.xz' },
  tfjs: '4.22.0',
  torchJob: 'torch-job.json',
  budgets: { webgpuMsPerTile: 3000, torchMsPerTile: 3000, pipeline: 8 },
  models: [
    {
      id: 'unet',
      dir: 'models/unet',
      kind: 'unet',
      width: 16,
      depth: 4,
      inputs: ['target'],
      output: 'probability',
      activation: 'sigmoid',
      trainedSize: 64,
      mpp: 1,
      trainedModelFile: 'model.json',
      parityFile: 'parity.json',
      tiles: [
        { size: 64, batch: 8, modelFile: 'model.json', flopsPerTile: 289_931_264 },
        { size: 256, batch: 1, modelFile: 'model-256.json', flopsPerTile: 4_638_900_224 },
      ],
    },
  ],
};

const webgpu: WebgpuResult = {
  ok: true,
  dawnOptions: ['backend=vulkan'],
  tfjs: '4.22.0',
  adapter: {
    vendor: 'nvidia',
    architecture: 'hopper',
    device: '',
    description: 'NVIDIA H200',
    features: [],
    maxStorageBufferBindingSize: 2 ** 31,
    maxBufferSize: 2 ** 32,
  },
  models: [
    {
      id: 'unet',
      parity: { maxAbsError: 1e-6, tolerance: 1e-4, withinTolerance: true, values: 8192 },
      tiles: [
        {
          size: 64,
          batch: 8,
          msPerBatch: 2,
          batches: 100,
          patchesPerSecond: 4000,
          pipelinedPatchesPerSecond: 8000,
          pipeline: 8,
          firstBatchMs: 900,
        },
      ],
    },
  ],
};

const torch = (device: 'cuda' | 'cpu'): GpuTorchReport => ({
  torch: '2.11.0',
  threads: 16,
  interopThreads: 16,
  mkldnnAvailable: true,
  mkldnnEnabled: true,
  settings: 'defaults',
  device,
  deviceName: device === 'cuda' ? 'NVIDIA H200' : 'cpu',
  peak: { method: 'matmul', runs: [], gflopPerSecond: 50_000 },
  models: [
    {
      id: 'unet',
      weights: 'models/unet (training.import_tfjs)',
      tiles: [
        { size: 64, batch: 8, msPerBatch: 1, batches: 100, tilesPerSecond: 8000, flopsPerTile: 289_931_264 },
        {
          size: 256,
          batch: 1,
          msPerBatch: 1,
          batches: 100,
          tilesPerSecond: 1000,
          flopsPerTile: 4_638_900_224,
          strictFp32TilesPerSecond: 500,
          batchSweep: [{ batch: 8, tilesPerSecond: 4000 }],
        },
      ],
    },
  ],
});

const input = (over: Partial<GpuReportInput>): GpuReportInput => ({
  manifest,
  vulkan: null,
  webgpu,
  torch: torch('cuda'),
  cpuPeak: { gflopPerSecond: 333, source: 'cpu paper' },
  machine: {},
  ...over,
});

describe('gpu report', () => {
  it("takes the H200's 67 TFLOP/s FP32 from its name, else the fallback", () => {
    expect(paperPeakFor('NVIDIA H200', null)?.gflopPerSecond).toBe(67_000);
    expect(paperPeakFor('llvmpipe', { gflopPerSecond: 333, source: 'cpu' })?.gflopPerSecond).toBe(333);
    expect(paperPeakFor(null, null)).toBeNull();
  });

  it('turns patches/s into kept mm²/s, GFLOP/s and fractions of the peaks', () => {
    // 4000 U-Net 64 px patches/s: 4000 × 0.048² mm² = 9.216 mm²/s; 4000 × 0.29 GFLOP = 1159.7 GFLOP/s
    const r = runRate(4000, 289_931_264, 0.048 ** 2, { gflopPerSecond: 67_000, source: '' }, 50_000);
    expect(r.mm2PerSecond).toBeCloseTo(9.216, 4);
    expect(r.gflopPerSecond).toBeCloseTo(1159.7, 1);
    expect(r.fractionOfPaperPeak).toBeCloseTo(1159.725 / 67_000, 5);
    expect(r.fractionOfMeasuredPeak).toBeCloseTo(1159.725 / 50_000, 5);
  });

  it('compares WebGPU with PyTorch per model and tile, on the same geometry', () => {
    const rep = gpuReport(input({}));
    expect(rep.ok).toBe(true);
    expect(rep.onGpu).toBe(true);
    expect(rep.peak.paper?.gflopPerSecond).toBe(67_000);
    const [r64, r256] = rep.rows;
    expect(r64).toMatchObject({ model: 'unet', tile: 64, batch: 8, ratio: 0.5, pipelinedRatio: 1 });
    expect(r64.keptMm2PerTile).toBeCloseTo(0.002304, 6);
    expect(r64.webgpu?.pipelined.patchesPerSecond).toBe(8000);
    // the 256 px tile did not run on WebGPU: PyTorch's row stands alone, no ratio
    expect(r256.webgpu).toBeNull();
    expect(r256.ratio).toBeNull();
    expect(r256.keptMm2PerTile).toBeCloseTo(0.0576, 6);
    expect(r256.torch?.strictFp32?.patchesPerSecond).toBe(500);
    expect(r256.torch?.oneThread).toBeNull();
    // 4000 tiles/s × 4.64 GFLOP = 18.6 TFLOP/s: 0.277 of the H200's 67 on paper
    expect(r256.torch?.batchSweep).toHaveLength(1);
    expect(r256.torch?.batchSweep[0]).toMatchObject({ batch: 8, patchesPerSecond: 4000 });
    expect(r256.torch?.batchSweep[0].fractionOfPaperPeak).toBeCloseTo(
      (4000 * 4_638_900_224) / 1e9 / 67_000,
      4,
    );
    expect(r64.torch?.batchSweep).toEqual([]);
    expect(rep.webgpuParity[0].parity?.withinTolerance).toBe(true);
  });

  it('says why WebGPU did not run, and that a CPU PyTorch is no GPU comparison', () => {
    const rep = gpuReport(
      input({ webgpu: { ok: false, reason: 'not run: no Vulkan ICD: …' }, torch: torch('cpu') }),
    );
    expect(rep.ok).toBe(false);
    expect(rep.onGpu).toBe(false);
    expect(rep.webgpuReason).toBe('not run: no Vulkan ICD: …');
    expect(rep.torch?.note).toMatch(/ran on the CPU/);
    // both on the CPU: the CPU's paper peak
    expect(rep.peak.paper?.gflopPerSecond).toBe(333);
    expect(rep.rows.every((r) => r.webgpu === null && r.ratio === null)).toBe(true);
    const noTorch = gpuReport(input({ torch: { error: 'PyTorch exited with 1' } }));
    expect(noTorch.torchError).toBe('PyTorch exited with 1');
    expect(noTorch.rows[0].torch).toBeNull();
  });
});
