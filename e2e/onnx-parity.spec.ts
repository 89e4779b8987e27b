// ONNX parity in Chromium: PyTorch exports (training/make_onnx_tests.py, both exporters) converted in
// the page (addModel with the .onnx URL: the converter in its worker) and run through the app's
// inference worker on wasm and on WebGPU (SwiftShader here), on the inputs onnxruntime was given at
// test time; the activated outputs (mrnViewer.predict) must equal onnxruntime's within 1e-4. The
// timm-encoder U-Net joins them where timm is installed (scripts/install-python.sh; else it is left
// out, saying so).

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { call, expect, gotoApp, ROOT, test } from './fixtures';

const CACHE = path.join(ROOT, '.cache/onnx-e2e-parity');
const SERVED = path.join(ROOT, 'public/demo/onnx-parity'); // public/demo is served at /demo, ignored by git
/** the issue's bound on the activated outputs' max |Δ| against onnxruntime */
const TOLERANCE = 1e-4;

interface Case {
  key: string;
  /** the card's inputs (roles and mpp; names and sizes come from the graph) */
  inputs: { role: 'target' | 'context'; mpp: number }[];
  channels: string[];
  /** what the viewer applies to the graph's output (the graph ends in a Sigmoid: none) */
  activation: 'sigmoid' | 'softmax';
  applyActivation: boolean;
}

const target = { role: 'target', mpp: 1 } as const;
const CASES: Case[] = [
  {
    key: 'unet.dynamo',
    inputs: [target],
    channels: ['tumour'],
    activation: 'sigmoid',
    applyActivation: false,
  },
  {
    key: 'mrn-bilinear.legacy',
    inputs: [target, { role: 'context', mpp: 4 }],
    channels: ['tumour'],
    activation: 'sigmoid',
    applyActivation: false,
  },
  {
    key: 'fpn-aspp.dynamo',
    inputs: [target],
    channels: ['background', 'tumour'],
    activation: 'softmax',
    applyActivation: true,
  },
  {
    key: 'grouped-net.legacy',
    inputs: [target],
    channels: ['tumour'],
    activation: 'sigmoid',
    applyActivation: false,
  },
];

/** timm (and the torchvision it imports) from .cache/python-timm: training/timm_import.py */
const hasTimm = (() => {
  try {
    execFileSync('python3', ['-c', 'from training.timm_import import import_timm; import_timm()'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    return true;
  } catch {
    console.warn('timm not importable (bash scripts/install-python.sh installs it): timm U-Net left out');
    return false;
  }
})();
if (hasTimm)
  CASES.push({
    key: 'timm-resnet10t-unet.dynamo',
    inputs: [target],
    channels: ['background', 'tumour'],
    activation: 'softmax',
    applyActivation: true, // the graph ends in a bilinear Resize of the logits
  });

interface Entry {
  onnx?: string;
  error?: string;
  inputs: Record<string, { file: string; shape: number[] }>;
  output: { file: string; shape: number[] };
}

/** The exports and onnxruntime's outputs, made at test time; null without PyTorch / onnxruntime. */
const manifest = (() => {
  try {
    const only = [...new Set(CASES.map((c) => c.key.split('.')[0]))].join(',');
    execFileSync('python3', ['-m', 'training.make_onnx_tests', '--out', CACHE, '--only', only], {
      cwd: ROOT,
      stdio: 'ignore',
      timeout: 300_000,
    });
    const m = JSON.parse(readFileSync(path.join(CACHE, 'manifest.json'), 'utf8')) as Record<string, Entry>;
    // served before the dev server starts (it lists public/ once)
    mkdirSync(SERVED, { recursive: true });
    for (const c of CASES)
      if (m[c.key]?.onnx) copyFileSync(path.join(CACHE, m[c.key].onnx!), path.join(SERVED, m[c.key].onnx!));
    return m;
  } catch {
    return null;
  }
})();

const f32 = (file: string) => {
  const b = readFileSync(path.join(CACHE, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** NCHW → NHWC */
function toNhwc(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let k = 0; k < c; k++)
      for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + k] = x[(b * c + k) * h * w + i];
  return out;
}

/** onnxruntime's NCHW output, activated as the viewer does, one channel: count × h × w. */
function reference(c: Case, y: Float32Array, [n, ch, h, w]: number[], channel: number): Float32Array {
  const out = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h * w; i++) {
      const at = (k: number) => y[(b * ch + k) * h * w + i];
      let v = at(channel);
      if (c.applyActivation && c.activation === 'sigmoid') v = 1 / (1 + Math.exp(-v));
      if (c.applyActivation && c.activation === 'softmax') {
        let m = -Infinity;
        for (let k = 0; k < ch; k++) m = Math.max(m, at(k));
        let sum = 0;
        for (let k = 0; k < ch; k++) sum += Math.exp(at(k) - m);
        v = Math.exp(v - m) / sum;
      }
      out[b * h * w + i] = v;
    }
  return out;
}

const b64 = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
const fromB64 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

test.describe.configure({ mode: 'serial' });

test('converted in the page, run on wasm and WebGPU: equal to onnxruntime within 1e-4', async ({ page }) => {
  test.skip(!manifest, 'PyTorch / onnxruntime not installed: no ONNX export to test with');
  // five networks on two backends; minutes under a loaded machine (7.1 min at load 18 with the timm U-Net)
  test.setTimeout(900_000);
  await gotoApp(page);
  const rows: string[] = [];
  // convs fused by the engine (fuse-conv-graph.ts) in the graphs that ran: the fused path is checked
  let fusedConvs = 0;
  for (const c of CASES) {
    const e = manifest![c.key];
    expect(e?.error, `${c.key} exported`).toBeUndefined();
    const id = `parity-${c.key.replace('.', '-')}`;
    const card = {
      schemaVersion: 2,
      id,
      name: `${c.key} (parity)`,
      testModel: true,
      inputs: c.inputs.map((i) => ({ ...i, normalization: { kind: 'range', min: -1, max: 1 } })),
      output: {
        channels: c.channels.map((name) => ({ name })),
        tumourChannel: 'tumour',
        activation: c.activation,
        applyActivation: c.applyActivation,
      },
      training: { data: 'none (random weights)' },
      intendedUse: 'ONNX parity test; not for diagnosis.',
    };
    expect(await call(page, 'addModel', `/demo/onnx-parity/${e.onnx}`, JSON.stringify(card))).toBe(id);
    const inputs: Record<string, string> = {};
    for (const [name, inp] of Object.entries(e.inputs)) inputs[name] = b64(toNhwc(f32(inp.file), inp.shape));
    const y = f32(e.output.file);
    const count = e.output.shape[0];
    for (const backend of ['wasm', 'webgpu'] as const)
      for (const [k, channel] of c.channels.entries()) {
        const r = await call<{
          backend: string;
          count: number;
          size: number;
          output: string;
          channel: string;
        }>(page, 'predict', id, inputs, { backend, channel, count });
        expect(r.backend, `${c.key} on ${backend}`).toBe(backend);
        expect(r.channel).toBe(channel);
        const got = fromB64(r.output);
        const want = reference(c, y, e.output.shape, k);
        expect(got.length, `${c.key} output length`).toBe(want.length);
        let max = 0;
        for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
        const spread = Math.max(...want) - Math.min(...want);
        rows.push(
          `${c.key} ${backend} ${channel}: max |Δ| ${max.toExponential(2)} (outputs span ${spread.toFixed(3)})`,
        );
        expect(spread, `${c.key}: not a constant output`).toBeGreaterThan(1e-3);
        expect(max, `${c.key} on ${backend}, channel ${channel}`).toBeLessThanOrEqual(TOLERANCE);
      }
    const info = await call<{ decision: { fusedConvs: number } }>(page, 'backendInfo', id);
    rows.push(`${c.key}: ${info.decision.fusedConvs} fused convs`);
    fusedConvs += info.decision.fusedConvs;
    await call(page, 'removeModel', id);
  }
  console.log(rows.join('\n'));
  expect(fusedConvs, 'some conv chains ran fused').toBeGreaterThan(0);
});
