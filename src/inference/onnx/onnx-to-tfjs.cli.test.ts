// `npm run convert` end to end (the CLI on an exported U-Net, loaded through the project's loader and
// engine, equal to onnxruntime), and the converter's bad-input errors. Exports its own U-Net into
// .cache/onnx-tests-cli (training.make_onnx_tests); skipped where PyTorch or onnxruntime is missing.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import { ModelCardError } from '../model-card';
import { loadModelWith } from '../model-loader';
import { nodeFileHandler, readModelCard } from '../node/node-model-io';
import { completeCard } from './card-from-onnx';
import { parseOnnx } from './onnx-model';
import { convertOnnx } from './onnx-to-tfjs';

// its own cache dir: the parity test writes .cache/onnx-tests at the same time
const DIR = '.cache/onnx-tests-cli';
const ONNX = join(DIR, 'unet.dynamo.onnx');
const ready = (() => {
  try {
    execFileSync('python3', ['-m', 'training.make_onnx_tests', '--out', DIR, '--only', 'unet'], {
      stdio: 'ignore',
      timeout: 300_000,
    });
    return existsSync(ONNX);
  } catch {
    return false; // no PyTorch / onnxruntime here
  }
})();
const CARD = {
  id: 'onnx-unet',
  name: 'U-Net via ONNX',
  testModel: true,
  architecture: 'unet',
  inputs: [{ role: 'target', mpp: 1, normalization: { kind: 'range', min: -1, max: 1 } }],
  output: { activation: 'sigmoid', applyActivation: false },
  training: { data: 'none (random weights)' },
  intendedUse: 'Converter test; not for diagnosis.',
};
const f32 = (file: string) => {
  const b = readFileSync(join(DIR, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

describe.skipIf(!ready)('npm run convert', () => {
  it('writes a model folder that loads and matches onnxruntime', { timeout: 120_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'onnx-cli-'));
    writeFileSync(join(work, 'card.json'), JSON.stringify(CARD));
    const out = join(work, 'onnx-unet');
    for (let run = 0; run < 2; run++) {
      // the second run replaces the folder whole
      execFileSync(
        'npx',
        ['tsx', 'scripts/convert-onnx.ts', ONNX, '--card', join(work, 'card.json'), '--out', out],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
    }
    expect(readdirSync(work).sort()).toEqual(['card.json', 'onnx-unet']); // no temporary folders left
    const card = await readModelCard(out);
    expect(card.inputs[0]).toMatchObject({ name: 'target', size: 64 });
    expect(card.source).toMatchObject({ format: 'onnx', opset: 18 });
    const loaded = await loadModelWith(nodeFileHandler(join(out, 'model.json')), card);
    const engine = createEngine({ backend: 'cpu', candidates: ['cpu'] });
    try {
      await engine.load(loaded.artifacts, loaded.spec);
      const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
      const e = manifest['unet.dynamo'];
      const inp = e.inputs.target;
      const x = tf.transpose(tf.tensor(f32(inp.file), inp.shape), [0, 2, 3, 1]);
      const probs = await engine.predict({ target: (await x.data()) as Float32Array }, inp.shape[0]);
      const ref = f32(e.output.file); // N×1×64×64 = NHWC order for one channel
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(probs[i] - ref[i]));
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
      x.dispose();
    } finally {
      engine.dispose();
    }
  });

  it('fails clearly and writes nothing for a card that contradicts the graph', () => {
    const work = mkdtempSync(join(tmpdir(), 'onnx-cli-'));
    writeFileSync(
      join(work, 'card.json'),
      JSON.stringify({ ...CARD, inputs: [{ ...CARD.inputs[0], size: 128 }] }),
    );
    const r = spawnSync(
      'npx',
      ['tsx', 'scripts/convert-onnx.ts', ONNX, '--card', join(work, 'card.json'), '--out', join(work, 'x')],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/input "target" is 64 px in the ONNX graph, the card says 128/);
    expect(readdirSync(work)).toEqual(['card.json']);
    // over an existing folder, a failed conversion leaves it as it was
    mkdirSync(join(work, 'kept'));
    writeFileSync(join(work, 'kept', 'model.json'), '{"old": true}');
    const again = spawnSync(
      'npx',
      [
        'tsx',
        'scripts/convert-onnx.ts',
        ONNX,
        '--card',
        join(work, 'card.json'),
        '--out',
        join(work, 'kept'),
      ],
      { encoding: 'utf8' },
    );
    expect(again.status).toBe(1);
    expect(readdirSync(work).sort()).toEqual(['card.json', 'kept']);
    expect(readdirSync(join(work, 'kept'))).toEqual(['model.json']);
    expect(readFileSync(join(work, 'kept', 'model.json'), 'utf8')).toBe('{"old": true}');
  });
});

describe.skipIf(!ready)('converter bad input', () => {
  const bytes = () => new Uint8Array(readFileSync(ONNX));

  it('lists every unsupported op with its node names', async () => {
    const model = parseOnnx(bytes());
    model.nodes[1].opType = 'NonMaxSuppression';
    model.nodes[3].opType = 'NonMaxSuppression';
    model.nodes[5].opType = 'LSTM';
    await expect(convertOnnx(model)).rejects.toThrow(
      new RegExp(
        `unsupported ONNX op\\(s\\): NonMaxSuppression \\(${model.nodes[1].name}, ${model.nodes[3].name}\\); LSTM \\(${model.nodes[5].name}\\)`,
      ),
    );
  });

  it('refuses a dynamic spatial dimension and weights over the cap', async () => {
    const model = parseOnnx(bytes());
    model.inputs[0].dims = [1, 3, 'height', 64];
    await expect(convertOnnx(model)).rejects.toThrow(/dynamic dimension 2 \("height"\) that cannot be fixed/);
    await expect(convertOnnx(parseOnnx(bytes()), { maxWeightBytes: 1000 })).rejects.toThrow(
      /over the 1000 B cap/,
    );
  });

  it('refuses a card whose channels the output lacks', async () => {
    const converted = await convertOnnx(parseOnnx(bytes()));
    const bad = {
      ...CARD,
      output: { ...CARD.output, channels: [{ name: 'background' }, { name: 'tumour' }] },
    };
    expect(() => completeCard(bad, converted)).toThrow(ModelCardError);
    expect(() => completeCard(bad, converted)).toThrow(
      /declares 2 output channel\(s\), the ONNX output "output" has 1/,
    );
  });

  it('float16 weights halve the shard and stay close', async () => {
    const full = await convertOnnx(parseOnnx(bytes()));
    const half = await convertOnnx(parseOnnx(bytes()), { float16: true });
    expect(half.weights.byteLength).toBeLessThan(full.weights.byteLength * 0.55);
  });
});
