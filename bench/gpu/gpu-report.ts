// The pure half of the GPU pack's report: per model and tile, WebGPU (tfjs on Dawn) against PyTorch on
// the same weights and tile geometry, as patches/s, kept mm²/s, GFLOP/s and the fraction of the
// device's FP32 peak; and, when WebGPU could not run, why. bench/gpu/gpu-report.test.ts.

import { keptMm2PerTile, ratio } from '../inference-report';
import type { TorchReport } from '../torch-inference';
import type { PackManifest } from './pack-manifest';
import type { VulkanFacts, VulkanVerdict } from './vulkan-check';
import type { WebgpuResult } from './webgpu-measure';

/** bench/torch_inference.py's report with the device fields it adds off the CPU. */
export interface GpuTorchReport extends TorchReport {
  device: 'cuda' | 'cpu';
  deviceName: string;
  cudnnAllowTf32?: boolean;
  matmulAllowTf32?: boolean;
}

export interface Peak {
  gflopPerSecond: number;
  source: string;
}

/** FP32 peaks on paper of the GPUs this is meant for (vendor datasheets, non-tensor FP32, SXM parts). */
const PAPER_PEAKS: { match: RegExp; gflopPerSecond: number; source: string }[] = [
  { match: /H200/i, gflopPerSecond: 67_000, source: 'NVIDIA H200 SXM datasheet: 67 TFLOP/s FP32' },
  { match: /H100/i, gflopPerSecond: 67_000, source: 'NVIDIA H100 SXM datasheet: 67 TFLOP/s FP32' },
];

/** The paper FP32 peak of a device named `name`, else the fallback given (the CPU's, on a CPU run). */
export function paperPeakFor(name: string | null | undefined, fallback: Peak | null): Peak | null {
  const hit = PAPER_PEAKS.find((p) => name && p.match.test(name));
  return hit ? { gflopPerSecond: hit.gflopPerSecond, source: hit.source } : fallback;
}

export interface RunRate {
  patchesPerSecond: number;
  /** kept output area per second (the tile less its keep margin on each side) */
  mm2PerSecond: number;
  gflopPerSecond: number;
  fractionOfPaperPeak: number | null;
  fractionOfMeasuredPeak: number | null;
}

export function runRate(
  patchesPerSecond: number,
  flopsPerTile: number,
  keptMm2: number,
  paper: Peak | null,
  measuredGflopPerSecond: number | null,
): RunRate {
  const gflop = (patchesPerSecond * flopsPerTile) / 1e9;
  return {
    patchesPerSecond: Math.round(patchesPerSecond * 100) / 100,
    mm2PerSecond: Math.round(patchesPerSecond * keptMm2 * 10_000) / 10_000,
    gflopPerSecond: Math.round(gflop * 10) / 10,
    fractionOfPaperPeak: paper ? ratio(gflop, paper.gflopPerSecond, 5) : null,
    fractionOfMeasuredPeak: ratio(gflop, measuredGflopPerSecond, 5),
  };
}

export interface GpuRow {
  model: string;
  tile: number;
  batch: number;
  flopsPerTile: number;
  keptMm2PerTile: number;
  webgpu: (RunRate & { msPerBatch: number; pipelined: RunRate; firstBatchMs: number }) | null;
  torch:
    | (RunRate & {
        msPerBatch: number;
        /** CUDA: cuDNN's TF32 off */
        strictFp32: RunRate | null;
        /** CPU: one thread (an oversubscribed machine's cores make the default threads wait) */
        oneThread: RunRate | null;
        /** bigger batches than the graph's: what the device does when fed more work per call */
        batchSweep: (RunRate & { batch: number })[];
      })
    | null;
  /** WebGPU patches/s ÷ PyTorch's, both reading back every batch (null when either is missing) */
  ratio: number | null;
  /** the same with WebGPU's batches queued (no round trip per batch) */
  pipelinedRatio: number | null;
}

export interface GpuReportInput {
  manifest: PackManifest;
  vulkan: { facts: VulkanFacts; verdict: VulkanVerdict } | null;
  /** the WebGPU run's result, or why there is none (skipped, crashed) */
  webgpu: WebgpuResult | { ok: false; reason: string };
  torch: GpuTorchReport | { error: string };
  /** the CPU's paper peak, used when the devices that ran are CPUs (lavapipe, PyTorch without CUDA) */
  cpuPeak: Peak | null;
  machine: Record<string, unknown>;
}

const isTorch = (t: GpuReportInput['torch']): t is GpuTorchReport => !('error' in t);

export function gpuReport(input: GpuReportInput) {
  const { manifest, webgpu } = input;
  const torch = isTorch(input.torch) ? input.torch : null;
  const wg = webgpu.ok ? (webgpu as WebgpuResult) : null;
  const softwareAdapter = wg?.adapter
    ? /llvmpipe|lavapipe|swiftshader|software/i.test(
        `${wg.adapter.vendor} ${wg.adapter.description} ${wg.adapter.device}`,
      )
    : null;
  const deviceName = torch?.device === 'cuda' ? torch.deviceName : null;
  // WebGPU and PyTorch share the peak of the device that ran: the GPU's, or the CPU's on a CPU run
  const paper = paperPeakFor(deviceName ?? wg?.adapter?.description, input.cpuPeak);
  const measured = torch?.peak?.gflopPerSecond ?? null;
  const rows: GpuRow[] = [];
  for (const m of manifest.models) {
    for (const t of m.tiles) {
      const kept = keptMm2PerTile({ size: t.size, trained: m.trainedSize, mpp: m.mpp });
      const w = wg?.models.find((x) => x.id === m.id)?.tiles.find((x) => x.size === t.size);
      const p = torch?.models.find((x) => x.id === m.id)?.tiles.find((x) => x.size === t.size);
      const rate = (pps: number) => runRate(pps, t.flopsPerTile, kept, paper, measured);
      rows.push({
        model: m.id,
        tile: t.size,
        batch: t.batch,
        flopsPerTile: t.flopsPerTile,
        keptMm2PerTile: Math.round(kept * 1e6) / 1e6,
        webgpu: w
          ? {
              ...rate(w.patchesPerSecond),
              msPerBatch: w.msPerBatch,
              pipelined: rate(w.pipelinedPatchesPerSecond),
              firstBatchMs: w.firstBatchMs,
            }
          : null,
        torch: p
          ? {
              ...rate(p.tilesPerSecond),
              msPerBatch: p.msPerBatch,
              strictFp32: p.strictFp32TilesPerSecond ? rate(p.strictFp32TilesPerSecond) : null,
              oneThread: p.oneThreadTilesPerSecond ? rate(p.oneThreadTilesPerSecond) : null,
              batchSweep: (p.batchSweep ?? []).map((x) => ({ batch: x.batch, ...rate(x.tilesPerSecond) })),
            }
          : null,
        ratio: ratio(w?.patchesPerSecond, p?.tilesPerSecond),
        pipelinedRatio: ratio(w?.pipelinedPatchesPerSecond, p?.tilesPerSecond),
      });
    }
  }
  const why = webgpu.ok ? null : webgpu.reason;
  const lines = rows.map(
    (r) =>
      `${r.model} ${r.tile} px ×${r.batch}: WebGPU ${r.webgpu ? `${r.webgpu.patchesPerSecond} patches/s (${r.webgpu.mm2PerSecond} mm²/s, ${r.webgpu.gflopPerSecond} GFLOP/s)` : 'did not run'}; PyTorch ${torch?.device ?? ''} ${r.torch ? `${r.torch.patchesPerSecond} patches/s (${r.torch.mm2PerSecond} mm²/s)` : 'did not run'}; ratio ${r.ratio ?? 'n/a'}`,
  );
  return {
    ok: webgpu.ok && torch !== null,
    onGpu: torch?.device === 'cuda' && softwareAdapter === false,
    webgpuReason: why,
    webgpuIncomplete: wg?.incomplete ?? null,
    torchError: torch ? null : (input.torch as { error: string }).error,
    machine: input.machine,
    vulkan: input.vulkan,
    adapter: wg?.adapter ?? null,
    softwareAdapter,
    webgpuParity: wg?.models.map((m) => ({ id: m.id, parity: m.parity, error: m.error })) ?? [],
    torch: torch
      ? {
          version: torch.torch,
          device: torch.device,
          deviceName: torch.deviceName,
          settings: torch.settings,
          cudnnAllowTf32: torch.cudnnAllowTf32,
          matmulAllowTf32: torch.matmulAllowTf32,
          note:
            torch.device === 'cpu'
              ? 'no CUDA device: PyTorch ran on the CPU, so this is no GPU comparison'
              : 'PyTorch CUDA with its defaults (cuDNN may use TF32 for convolutions: strictFp32 turns it off)',
          weights: torch.models.map((m) => ({
            id: m.id,
            weights: m.weights,
            parityMaxAbsError: m.parityMaxAbsError,
          })),
        }
      : null,
    peak: { paper, measuredFp32Gflop: measured, measuredMethod: torch?.peak?.method ?? null },
    units:
      'a patch is one tile of the row’s size; mm² is kept output (the tile less the trained patch’s keep margin on each side); GFLOP from the tile graph (src/inference/graph-flops.ts)',
    rows,
    lines,
  };
}
