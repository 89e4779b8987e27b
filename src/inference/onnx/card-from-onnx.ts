// Completes a user's (partial) card with what the converted ONNX graph tells: input names and
// sizes, the output name, size and channel count, batch, format. What ONNX cannot tell (mpp,
// normalisation, channel meanings, activation) must be in the given card. A card that contradicts
// the graph (input shapes, channel count) is refused, naming each mismatch.
//
// Usage: const card = completeCard(partialJson, converted, { sourceFile: 'net.onnx' });

import { type ModelCard, ModelCardError, parseModelCard } from '../model-card';
import type { ConvertedModel } from './onnx-to-tfjs';

type Json = Record<string, unknown>;

export function completeCard(
  given: Json,
  converted: Pick<ConvertedModel, 'inputs' | 'outputs'>,
  info: { sourceFile?: string; opset?: number; producer?: string; float16?: boolean } = {},
): ModelCard {
  const problems: string[] = [];
  const graphInputs = converted.inputs;
  const givenInputs = (Array.isArray(given.inputs) ? given.inputs : []) as Json[];
  if (givenInputs.length !== graphInputs.length)
    problems.push(
      `the card lists ${givenInputs.length} input(s), the ONNX graph has ${graphInputs.length} (${graphInputs.map((g) => g.name).join(', ')})`,
    );
  const inputs = givenInputs.map((inp, k) => {
    const g = (inp.name ? graphInputs.find((x) => x.name === inp.name) : graphInputs[k]) ?? graphInputs[k];
    if (!g) return inp;
    const [, h, w, c] = g.shape;
    if (h !== w) problems.push(`input "${g.name}" is ${h}×${w}; patches are square`);
    if (inp.size !== undefined && inp.size !== h)
      problems.push(`input "${g.name}" is ${h} px in the ONNX graph, the card says ${inp.size}`);
    if (inp.name !== undefined && inp.name !== g.name)
      problems.push(
        `card input "${String(inp.name)}" is not an ONNX input (${graphInputs.map((x) => x.name).join(', ')})`,
      );
    if (c !== 3) problems.push(`input "${g.name}" has ${c} channels; RGB (3) is expected`);
    return { channels: 3, ...inp, name: g.name, size: h };
  });
  const out = converted.outputs[0];
  const givenOut = (given.output ?? {}) as Json;
  const [batch, oh, , oc] = out.shape;
  const channels =
    (givenOut.channels as unknown[] | undefined) ?? (oc === 1 ? [{ name: 'tumour' }] : undefined);
  if (Array.isArray(channels) && channels.length !== oc)
    problems.push(
      `the card declares ${channels.length} output channel(s), the ONNX output "${out.name}" has ${oc}`,
    );
  if (givenOut.size !== undefined && givenOut.size !== oh)
    problems.push(`output "${out.name}" is ${oh} px, the card says ${givenOut.size}`);
  if (problems.length > 0)
    throw new ModelCardError(`the card does not match the ONNX model: ${problems.join('; ')}`, problems);
  const target = inputs.find((i) => i.role === 'target') ?? inputs[0];
  return parseModelCard(
    {
      schemaVersion: 2,
      architecture: 'custom',
      quantization: info.float16 ? 'float16' : 'none',
      ...given,
      // a fact of the conversion, not the user's to claim
      ...(info.float16 === undefined ? {} : { quantization: info.float16 ? 'float16' : 'none' }),
      inputs,
      output: {
        size: oh,
        mpp: target?.mpp,
        tumourChannel: 'tumour',
        activation: 'sigmoid',
        applyActivation: false,
        ...givenOut,
        name: out.name,
        channels,
      },
      batchSize: batch,
      format: { modelFile: 'model.json', weightFiles: ['group1-shard1of1.bin'], layout: 'NHWC' },
      source: {
        format: 'onnx',
        file: info.sourceFile,
        opset: info.opset,
        producer: info.producer,
        converter: 'mrn-viewer src/inference/onnx',
      },
    },
    'card',
  );
}
