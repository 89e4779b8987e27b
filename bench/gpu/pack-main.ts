// Entry of the GPU pack's bundle (bench.mjs, built by bench/gpu/pack.ts with esbuild), run by the
// pack's run.sh with the pack's own Node:
//   node bench.mjs vulkan                     → the Vulkan facts and verdict (JSON on stdout)
//   node bench.mjs webgpu                     → tfjs-webgpu on Dawn: the models' timings (JSON on stdout)
//   node bench.mjs report <work dir>          → the one report (JSON on stdout) from the files run.sh wrote
// Logs go to stderr. The pack folder is the bundle's own folder.

import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { paperPeak } from '../cpu-peak';
import { gpuReport } from './gpu-report';
import type { PackManifest } from './pack-manifest';
import { vulkanVerdict } from './vulkan-check';
import { collectVulkanFacts } from './vulkan-facts';
import { measureWebgpu } from './webgpu-measure';

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

/** The last lines of a log, for a reason that names what a crashed step printed. */
function tail(file: string, lines = 6): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !/XDG_RUNTIME_DIR/.test(l))
    .slice(-lines)
    .join(' | ');
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
  });
  console.log(JSON.stringify(result));
  // dawn.node keeps the process alive while its instance lives
  process.exit(0);
} else if (cmd === 'report' && arg) {
  const work = arg;
  const vulkan = readJson<{ facts: never; verdict: { ok: boolean; reason?: string } }>(
    path.join(work, 'vulkan.json'),
  );
  const rc = (name: string) => readFileSync(path.join(work, `${name}.rc`), 'utf8').trim();
  const step = (name: string) => (existsSync(path.join(work, `${name}.rc`)) ? rc(name) : 'skipped');
  let webgpu = readJson<Parameters<typeof gpuReport>[0]['webgpu']>(path.join(work, 'webgpu.json'));
  // Dawn's own words (native warnings on stderr, e.g. a driver missing a feature it requires)
  const dawnSaid = existsSync(path.join(work, 'webgpu.log'))
    ? readFileSync(path.join(work, 'webgpu.log'), 'utf8')
        .split('\n')
        .filter(
          (l) =>
            /^(Warning|Error)|While |no suitable/i.test(l) && !/artificially reduced|XDG_RUNTIME_DIR/.test(l),
        )
        .slice(0, 6)
        .join(' | ')
    : '';
  if (webgpu && !webgpu.ok && dawnSaid)
    webgpu = { ...webgpu, reason: `${webgpu.reason}. Dawn said: ${dawnSaid}` };
  if (!webgpu) {
    const r = step('webgpu');
    webgpu = {
      ok: false,
      reason: !vulkan
        ? 'the Vulkan check did not run'
        : !vulkan.verdict.ok
          ? `not run: ${vulkan.verdict.reason}`
          : r === 'skipped'
            ? 'not run'
            : `the WebGPU run exited with ${r === '124' ? 'a timeout (124)' : `code ${r}${Number(r) > 128 ? ` (signal ${Number(r) - 128})` : ''}`} and wrote no result; its last log lines: ${tail(path.join(work, 'webgpu.log'))}`,
    };
  }
  const torch = readJson<Parameters<typeof gpuReport>[0]['torch']>(path.join(work, 'torch.json')) ?? {
    error: `PyTorch exited with ${step('torch')} and wrote no result; its last log lines: ${tail(path.join(work, 'torch.log'))}`,
  };
  const cpu = paperPeak();
  const report = gpuReport({
    manifest,
    vulkan: vulkan as Parameters<typeof gpuReport>[0]['vulkan'],
    webgpu,
    torch,
    cpuPeak: cpu.gflopPerSecond ? { gflopPerSecond: cpu.gflopPerSecond, source: cpu.assumption } : null,
    machine: {
      host: os.hostname(),
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? null,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
      nvidiaSmi: existsSync(path.join(work, 'nvidia-smi.txt'))
        ? readFileSync(path.join(work, 'nvidia-smi.txt'), 'utf8').trim() || null
        : null,
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
