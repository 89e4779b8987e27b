// ONNX → TF.js model folder: model.json + group1-shard1of1.bin + card.json, written atomically
// (a temporary sibling folder renamed into place; an existing folder is swapped out whole).
// Logs go to stderr; the last line on stdout is a JSON summary.
//
// Usage: npm run convert -- model.onnx --card card.json --out models/<id> [--batch 8] [--float16]
//   The card may leave out what the ONNX file tells (input names and sizes, output name and size,
//   batch, format); it must give mpp, normalisation, channel meanings, training data, intended use.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { completeCard } from '../src/inference/onnx/card-from-onnx';
import { parseOnnx } from '../src/inference/onnx/onnx-model';
import { convertOnnx } from '../src/inference/onnx/onnx-to-tfjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    card: { type: 'string' },
    out: { type: 'string' },
    batch: { type: 'string' },
    float16: { type: 'boolean', default: false },
  },
});
const file = positionals[0];
if (!file || !values.card || !values.out) {
  console.error(
    'usage: npm run convert -- model.onnx --card card.json --out models/<id> [--batch 8] [--float16]',
  );
  process.exit(2);
}

try {
  const t0 = performance.now();
  const model = parseOnnx(new Uint8Array(readFileSync(file)));
  console.error(
    `${file}: opset ${model.opset}, ${model.nodes.length} nodes, ${(model.weightBytes / 2 ** 20).toFixed(2)} MiB weights (${model.producer})`,
  );
  let last = -1;
  const converted = await convertOnnx(model, {
    batch: values.batch ? Number(values.batch) : 8,
    forceBatch: values.batch !== undefined,
    float16: values.float16,
    onProgress: (done, total) => {
      const pct = Math.floor((done / total) * 10);
      if (pct !== last) console.error(`converting: ${done}/${total} nodes`);
      last = pct;
    },
  });
  const given = JSON.parse(readFileSync(values.card, 'utf8'));
  const card = completeCard(given, converted, {
    sourceFile: basename(file),
    opset: model.opset,
    producer: model.producer,
    float16: values.float16,
  });
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true }); // the folder above --out may be new
  const tmp = mkdtempSync(resolve(dirname(out), `.${basename(out)}.tmp-`));
  try {
    writeFileSync(resolve(tmp, 'model.json'), JSON.stringify(converted.modelJson));
    writeFileSync(resolve(tmp, 'group1-shard1of1.bin'), converted.weights);
    writeFileSync(resolve(tmp, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
    const old = existsSync(out) ? `${dirname(out)}/.${basename(out)}.old-${process.pid}` : null;
    if (old) renameSync(out, old);
    renameSync(tmp, out);
    if (old) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const ms = Math.round(performance.now() - t0);
  console.error(`wrote ${out} in ${ms} ms`);
  console.log(
    JSON.stringify({
      out,
      ms,
      inputs: converted.inputs,
      outputs: converted.outputs,
      ops: converted.ops,
      weightBytes: converted.weights.byteLength,
    }),
  );
} catch (e) {
  console.error(`convert failed: ${(e as Error).message}`);
  process.exit(1);
}
