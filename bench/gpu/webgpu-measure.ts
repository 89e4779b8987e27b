// The WebGPU half of the GPU pack (bench/gpu/pack.ts): tfjs-backend-webgpu on Dawn's Node bindings
// (the npm package `webgpu`'s dawn.node), timing the pack's models at their shipped tile sizes the
// way the app runs a batch (src/inference/engine.ts runBatch: upload, execute, activation, read
// back), and checking the 64 px graph's output against its parity.json on the same device.
// Runs inside the pack's bundle (bench.mjs webgpu <pack dir>); prints nothing on stdout itself.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import * as tfc from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import type { PackManifest, PackModel } from './pack-manifest';

export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn's backend for the adapter (vulkan here) as far as the info tells */
  backend?: string;
  isFallbackAdapter?: boolean;
  features: string[];
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface WebgpuTile {
  size: number;
  batch: number;
  /** ms per batch, median of the timed batches, each read back before the next (the app's loop) */
  msPerBatch: number;
  batches: number;
  patchesPerSecond: number;
  /** `pipeline` batches queued before the first read-back: the GPU's throughput without the round trip */
  pipelinedPatchesPerSecond: number;
  pipeline: number;
  /** first batch (shader compilation and upload of the weights included) */
  firstBatchMs: number;
}

export interface WebgpuModel {
  id: string;
  /** the 64 px graph against parity.json's stored outputs, on this device */
  parity: { maxAbsError: number; tolerance: number; withinTolerance: boolean; values: number } | null;
  tiles: WebgpuTile[];
  error?: string;
}

export interface WebgpuResult {
  ok: boolean;
  /** why WebGPU could not run, when ok is false (no adapter, device failed, …) */
  reason?: string;
  /** set when the step was cut short (timeout, crash) after some tiles: what happened */
  incomplete?: string;
  dawnOptions: string[];
  adapter?: AdapterFacts;
  tfjs: string;
  models: WebgpuModel[];
}

const log = (m: string) => console.error(`[gpu webgpu] ${m}`);

/** Dawn's `create` from the pack's dawn.node (the `webgpu` package's prebuilt, linux-x64). */
function loadDawn(dawnPath: string): {
  create: (opts: string[]) => GPU;
  globals: Record<string, unknown>;
} {
  const require = createRequire(import.meta.url);
  return require(dawnPath);
}

function adapterFacts(adapter: GPUAdapter): AdapterFacts {
  const info = (adapter as unknown as { info?: GPUAdapterInfo }).info;
  const pick = (k: keyof GPUAdapterInfo) => String((info as unknown as Record<string, unknown>)?.[k] ?? '');
  return {
    vendor: pick('vendor'),
    architecture: pick('architecture'),
    device: pick('device'),
    description: pick('description'),
    isFallbackAdapter: (info as unknown as { isFallbackAdapter?: boolean })?.isFallbackAdapter,
    features: [...adapter.features].sort(),
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
  };
}

/** The device tfjs-backend-webgpu asks for in its own registration (base.ts), on our adapter. */
async function requestTfjsDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const l = adapter.limits;
  return adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
}

function readGraph(dir: string, modelFile: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path.join(dir, modelFile), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            const b = readFileSync(path.join(dir, p));
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
          specs.push(...group.weights);
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Inputs of one batch: uniform in [-1, 1) (normalised pixels), fixed per model and tile. */
function batchFeeds(m: PackModel, size: number, batch: number): Record<string, Float32Array> {
  let s = 12345;
  const next = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 31 - 1;
  };
  const feeds: Record<string, Float32Array> = {};
  for (const name of m.inputs) {
    const a = new Float32Array(batch * size * size * 3);
    for (let i = 0; i < a.length; i++) a[i] = next();
    feeds[name] = a;
  }
  return feeds;
}

/** One batch as the app runs it: tensors from the arrays, execute, the card's activation. */
function enqueue(
  model: tfc.GraphModel,
  m: PackModel,
  feeds: Record<string, Float32Array>,
  size: number,
  batch: number,
) {
  return tf.tidy(() => {
    const named: Record<string, tf.Tensor> = {};
    for (const name of m.inputs) named[name] = tf.tensor4d(feeds[name], [batch, size, size, 3]);
    const y = model.execute(named, m.output) as tf.Tensor;
    return m.activation === 'sigmoid' ? tf.sigmoid(y) : y;
  });
}

async function timeTile(
  dir: string,
  m: PackModel,
  t: PackModel['tiles'][number],
  budgetMs: number,
  pipeline: number,
): Promise<WebgpuTile> {
  const model = await tfc.loadGraphModel(readGraph(dir, t.modelFile));
  try {
    const feeds = batchFeeds(m, t.size, t.batch);
    const once = async () => {
      const y = enqueue(model, m, feeds, t.size, t.batch);
      try {
        await y.data();
      } finally {
        y.dispose();
      }
    };
    const f0 = performance.now();
    await once();
    const firstBatchMs = performance.now() - f0;
    await once();
    const runs: number[] = [];
    const start = performance.now();
    while (runs.length < 3 || (performance.now() - start < budgetMs && runs.length < 10_000)) {
      const r0 = performance.now();
      await once();
      runs.push(performance.now() - r0);
    }
    // queued: `pipeline` batches in flight, read back together (the GPU's rate without the round trip)
    const p0 = performance.now();
    let pipelined = 0;
    while (pipelined === 0 || performance.now() - p0 < budgetMs / 2) {
      const ys = Array.from({ length: pipeline }, () => enqueue(model, m, feeds, t.size, t.batch));
      await Promise.all(ys.map((y) => y.data()));
      tf.dispose(ys);
      pipelined += pipeline;
    }
    const pipeSeconds = (performance.now() - p0) / 1000;
    const ms = median(runs);
    return {
      size: t.size,
      batch: t.batch,
      msPerBatch: Math.round(ms * 1000) / 1000,
      batches: runs.length,
      patchesPerSecond: Math.round((t.batch / (ms / 1000)) * 100) / 100,
      pipelinedPatchesPerSecond: Math.round(((pipelined * t.batch) / pipeSeconds) * 100) / 100,
      pipeline,
      firstBatchMs: Math.round(firstBatchMs),
    };
  } finally {
    model.dispose();
  }
}

function decodeF32(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The trained graph on parity.json's stored inputs (stored-v1, zero-padded to the fixed batch). */
async function parityCheck(dir: string, m: PackModel): Promise<WebgpuModel['parity']> {
  if (!m.parityFile) return null;
  const p = JSON.parse(readFileSync(path.join(dir, m.parityFile), 'utf8')) as {
    generator: string;
    inputs: { name: string; shape: number[]; data?: string }[];
    output: { data: string };
    tolerance: number;
  };
  if (p.generator !== 'stored-v1') return null;
  const t = m.tiles.find((x) => x.modelFile === m.trainedModelFile)!;
  const model = await tfc.loadGraphModel(readGraph(dir, t.modelFile));
  try {
    const named: Record<string, tf.Tensor> = {};
    for (const inp of p.inputs) {
      const a = new Float32Array(t.batch * t.size * t.size * 3);
      a.set(decodeF32(inp.data ?? ''));
      named[inp.name] = tf.tensor4d(a, [t.batch, t.size, t.size, 3]);
    }
    const y = model.execute(named, m.output) as tf.Tensor;
    const got = (await y.data()) as Float32Array;
    tf.dispose([y, ...Object.values(named)]);
    const want = decodeF32(p.output.data);
    let err = 0;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
    return {
      maxAbsError: err,
      tolerance: p.tolerance,
      withinTolerance: err <= p.tolerance,
      values: want.length,
    };
  } finally {
    model.dispose();
  }
}

export async function measureWebgpu(
  packDir: string,
  manifest: PackManifest,
  opts: {
    budgetMs: number;
    pipeline: number;
    dawnOptions: string[];
    dawnPath: string;
    onlyModels?: string[];
    /** called with the result so far after each tile, so that a step cut short keeps what it measured */
    onProgress?: (partial: WebgpuResult) => void;
  },
): Promise<WebgpuResult> {
  const result: WebgpuResult = {
    ok: false,
    dawnOptions: opts.dawnOptions,
    tfjs: tf.version_core,
    models: [],
  };
  let gpu: GPU;
  try {
    const dawn = loadDawn(opts.dawnPath);
    Object.assign(globalThis, dawn.globals);
    gpu = dawn.create(opts.dawnOptions);
    // tfjs-backend-webgpu checks navigator.gpu (Node 20 has no navigator; 21+ has one without gpu)
    const nav = (globalThis as { navigator?: object }).navigator ?? {};
    Object.defineProperty(globalThis, 'navigator', {
      value: Object.assign(Object.create(nav), { gpu }),
      configurable: true,
    });
  } catch (e) {
    result.reason = `dawn.node did not load: ${(e as Error).message}`;
    return result;
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    result.reason =
      'no WebGPU adapter: Dawn found no usable Vulkan device (its warnings on stderr say why, e.g. a driver missing a required feature)';
    return result;
  }
  result.adapter = adapterFacts(adapter);
  log(`adapter: ${result.adapter.vendor} / ${result.adapter.architecture} / ${result.adapter.description}`);
  let device: GPUDevice;
  try {
    device = await requestTfjsDevice(adapter);
  } catch (e) {
    result.reason = `the adapter refused the device tfjs asks for: ${(e as Error).message}`;
    return result;
  }
  let backend: WebGPUBackend;
  try {
    backend = new WebGPUBackend(device, (adapter as unknown as { info: GPUAdapterInfo }).info);
  } catch (e) {
    result.reason = `tfjs-backend-webgpu refused the device: ${(e as Error).message}`;
    return result;
  }
  tf.registerBackend('webgpu', () => backend);
  if (!(await tf.setBackend('webgpu'))) {
    result.reason = 'tfjs could not start its webgpu backend on the device';
    return result;
  }
  await tf.ready();
  for (const m of manifest.models) {
    if (opts.onlyModels && !opts.onlyModels.includes(m.id)) continue;
    const dir = path.join(packDir, m.dir);
    const row: WebgpuModel = { id: m.id, parity: null, tiles: [] };
    try {
      row.parity = await parityCheck(dir, m);
      log(`${m.id}: parity ${JSON.stringify(row.parity)}`);
      for (const t of m.tiles) {
        const r = await timeTile(dir, m, t, opts.budgetMs, opts.pipeline);
        log(`${m.id} ${t.size} px: ${JSON.stringify(r)}`);
        row.tiles.push(r);
        opts.onProgress?.({ ...result, ok: true, models: [...result.models, row] });
      }
    } catch (e) {
      row.error = (e as Error).message;
      log(`${m.id}: ${row.error}`);
    }
    result.models.push(row);
  }
  result.ok = result.models.some((m) => m.tiles.length > 0);
  if (!result.ok)
    result.reason = `no model ran: ${result.models.map((m) => `${m.id}: ${m.error}`).join('; ')}`;
  device.destroy();
  return result;
}
