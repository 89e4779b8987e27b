import { describe, expect, it } from 'vitest';
import { ModelCardError } from '../model-card';
import {
  cardFromDraft,
  completeConvertedCard,
  draftFromConverted,
  draftProblems,
  idFromFileName,
} from './card-draft';
import { convertOnnxBytes } from './convert-bytes';
import { tinyOnnx } from './tiny-onnx.fixture';

const AT = '2026-12-01T00:00:00.000Z';

describe('card draft (the card form)', () => {
  it('pre-fills what the graph tells and asks for the rest', async () => {
    const c = await convertOnnxBytes(tinyOnnx({ channels: 2, size: 16 }), { fileName: 'My Net_v2.onnx' });
    const d = draftFromConverted(c);
    expect(d).toMatchObject({
      id: 'my-net-v2',
      inputs: [{ name: 'target', shape: [2, 16, 16, 3], role: 'target', mpp: null }],
      outputName: 'output',
      outputShape: [2, 16, 16, 2],
      channels: ['background', 'tumour'],
      tumourChannel: 'tumour',
      activation: 'sigmoid', // the graph ends in a Sigmoid…
      applyActivation: false, // …so the viewer does not apply it again
    });
    expect(draftProblems(d)).toEqual([
      'give the µm per pixel of input "target"',
      'say what the model was trained on',
    ]);
    expect(() => cardFromDraft(d, c, AT)).toThrow(/not finished: give the µm per pixel/);
    const card = cardFromDraft(
      { ...d, inputs: [{ ...d.inputs[0], mpp: 0.5 }], trainingData: 'CAMELYON16, 20x' },
      c,
      AT,
    );
    expect(card).toMatchObject({
      schemaVersion: 2,
      id: 'my-net-v2',
      batchSize: 2,
      exportedAt: AT,
      inputs: [{ name: 'target', size: 16, mpp: 0.5, normalization: { kind: 'meanStd' } }],
      output: { name: 'output', size: 16, mpp: 0.5, tumourChannel: 'tumour', activation: 'sigmoid' },
      source: { format: 'onnx', file: 'My Net_v2.onnx', opset: 17 },
      quantization: 'none',
    });
    // the batch size and float16 are asked, pre-filled with the file's batch and fp32
    expect(d).toMatchObject({ batch: 2, float16: false });
    expect(
      draftProblems({ ...d, inputs: [{ ...d.inputs[0], mpp: 1 }], trainingData: 'x', batch: 0 }),
    ).toEqual(['the batch size is a whole number from 1 to 64']);
    // the card's quantisation is the conversion's, whatever the given card claims
    const c16 = await convertOnnxBytes(tinyOnnx({ channels: 2, size: 16 }), {
      fileName: 'n.onnx',
      float16: true,
    });
    const given = { quantization: 'none', batchSize: 4 };
    expect(draftFromConverted(c16, given)).toMatchObject({ batch: 4, float16: false });
    expect(draftFromConverted(c16)).toMatchObject({ batch: 2, float16: true });
    const d16 = { ...draftFromConverted(c16), inputs: [{ ...d.inputs[0], mpp: 1 }], trainingData: 'x' };
    expect(cardFromDraft({ ...d16, float16: false }, c16, AT).quantization).toBe('float16');
  });

  it('logits: the viewer applies the activation; a card.json beside the file pre-fills the form', async () => {
    const c = await convertOnnxBytes(tinyOnnx({ channels: 3, sigmoid: false }), { fileName: 'x.onnx' });
    expect(draftFromConverted(c)).toMatchObject({
      channels: ['class-0', 'class-1', 'class-2'],
      activation: 'softmax',
      applyActivation: true,
    });
    const given = {
      id: 'glands',
      name: 'Glands',
      inputs: [{ mpp: 1.2, normalization: { kind: 'range', min: -1, max: 1 } }],
      output: { channels: [{ name: 'bg' }, { name: 'gland' }, { name: 'tumour' }], activation: 'softmax' },
      training: { data: 'GlaS' },
      intendedUse: 'Research.',
    };
    const d = draftFromConverted(c, given);
    expect(d).toMatchObject({
      id: 'glands',
      inputs: [{ mpp: 1.2, normalization: { kind: 'range', min: -1, max: 1 } }],
      channels: ['bg', 'gland', 'tumour'],
      tumourChannel: 'tumour',
      trainingData: 'GlaS',
    });
    expect(draftProblems(d)).toEqual([]);
    expect(cardFromDraft(d, c, AT).output).toMatchObject({ applyActivation: true, activation: 'softmax' });
  });

  it('a card that contradicts the graph is refused, naming the mismatch', async () => {
    const c = await convertOnnxBytes(tinyOnnx({ channels: 1, size: 16 }), { fileName: 'x.onnx' });
    const base = {
      id: 'x',
      name: 'X',
      inputs: [{ role: 'target', mpp: 1, normalization: { kind: 'range', min: 0, max: 1 } }],
      training: { data: 'none' },
      intendedUse: 'test',
    };
    const sized = { ...base, inputs: [{ ...base.inputs[0], size: 128 }] };
    expect(() => completeConvertedCard(sized, c, AT)).toThrow(
      /"target" is 16 px in the ONNX graph, the card says 128/,
    );
    // the form keeps what the given card said, so the same refusal comes from the form
    expect(() => cardFromDraft(draftFromConverted(c, sized), c, AT)).toThrow(ModelCardError);
    const twoChannels = { ...base, output: { channels: [{ name: 'background' }, { name: 'tumour' }] } };
    expect(() => completeConvertedCard(twoChannels, c, AT)).toThrow(
      /declares 2 output channel\(s\), the ONNX output "output" has 1/,
    );
    const noSuchChannel = { ...base, output: { channels: [{ name: 'gland' }], tumourChannel: 'tumour' } };
    expect(() => completeConvertedCard(noSuchChannel, c, AT)).toThrow(
      /tumour channel "tumour" is not one of/,
    );
  });

  it('ids from file names are kebab-case', () => {
    expect(idFromFileName('/a/b/UNet (final).onnx')).toBe('unet-final');
    expect(idFromFileName('___.onnx')).toBe('onnx-model');
  });
});
