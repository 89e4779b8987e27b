// Entry of the GPU pack's bundle (bench.mjs, built by bench/gpu/pack.ts with esbuild), run by the
// pack's run.sh with the pack's own Node:
//   node bench.mjs vulkan                     → the Vulkan facts and verdict (JSON on stdout)
//   node bench.mjs webgpu                     → tfjs-webgpu on Dawn: the models' timings (JSON on stdout)
//   node bench.mjs report <work dir>          → the one report (JSON on stdout) from the files run.sh wrote
// Logs go to stderr. The pack folder is the bundle's own folder.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { paperPeak } from '../cpu-peak';
import { type GpuTorchReport, gpuReport } from './gpu-report';
import type { PackManifest } from './pack-manifest';
import { torchOutcome, webgpuOutcome } from './step-outcome';
import { type VulkanFacts, type VulkanVerdict, vulkanVerdict } from './vulkan-check';
import { collectVulkanFacts } from './vulkan-facts';
import { measureWebgpu, type WebgpuResult } from './webgpu-measure';

const packDir = import.meta.dirname;
const manifest = JSON.parse(readFileSync(path.join(packDir, 'manifest.json'), 'utf8')) as PackManifest;
const [cmd, arg] = process.argv.slice(2);

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

if (cmd === 'vulkan') {
  const facts = collectVulkanFacts(packDir);
  console.log(JSON.stringify({ facts, verdict: vulkanVerdict(facts) }));
} else if (cmd === 'webgpu') {
  const env = process.env;
  const result = await measureWebgpu(packDir, manifest, {
    budgetMs: Number(env.GPU_BENCH_WEBGPU_MS ?? manifest.budgets.webgpuMsPerTile),
    pipeline: Number(env.GPU_BENCH_PIPELINE ?? manifest.budgets.pipeline),
    dawnOptions: (env.GPU_BENCH_DAWN_OPTIONS ?? 'backend=vulkan').split(/\s+/).filter(Boolean),
    dawnPath: env.GPU_BENCH_DAWN ?? path.join(packDir, 'dawn.node'),
    onlyModels: env.GPU_BENCH_MODELS ? env.GPU_BENCH_MODELS.split(',') : undefined,
    onProgress: (partial) => {
      if (env.GPU_BENCH_PARTIAL) writeFileSync(env.GPU_BENCH_PARTIAL, JSON.stringify(partial));
    },
  });
  console.log(JSON.stringify(result));
  // dawn.node keeps the process alive while its instance lives
  process.exit(0);
} else if (cmd === 'report' && arg) {
  const work = arg;
  const text = (name: string) =>
    existsSync(path.join(work, name)) ? readFileSync(path.join(work, name), 'utf8') : null;
  const vulkan = readJson<{ facts: VulkanFacts; verdict: VulkanVerdict }>(path.join(work, 'vulkan.json'));
  const webgpu = webgpuOutcome({
    result: readJson<WebgpuResult>(path.join(work, 'webgpu.json')),
    partial: readJson<WebgpuResult>(path.join(work, 'webgpu.partial.json')),
    verdict: vulkan?.verdict ?? null,
    rc: text('webgpu.rc')?.trim() ?? null,
    log: text('webgpu.log') ?? '',
  });
  const torch = torchOutcome({
    result: readJson<GpuTorchReport>(path.join(work, 'torch.json')),
    rc: text('torch.rc')?.trim() ?? null,
    log: text('torch.log') ?? '',
  });
  const cpu = paperPeak();
  const report = gpuReport({
    manifest,
    vulkan,
    webgpu,
    torch,
    cpuPeak: cpu.gflopPerSecond ? { gflopPerSecond: cpu.gflopPerSecond, source: cpu.assumption } : null,
    machine: {
      host: os.hostname(),
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? null,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
      nvidiaSmi: text('nvidia-smi.txt')?.trim() || null,
      node: process.version,
      pack: {
        createdAt: manifest.createdAt,
        commit: manifest.commit,
        dawn: manifest.dawn.package,
        tfjs: manifest.tfjs,
      },
    },
  });
  console.log(JSON.stringify({ suite: 'gpu', ...report }, null, 2));
} else {
  console.error('usage: node bench.mjs vulkan | webgpu | report <work dir>');
  process.exit(2);
}
