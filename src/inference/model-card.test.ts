import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from './engine';
import {
  type ModelCard,
  ModelCardError,
  normalizationAffine,
  parseModelCard,
  parseModelCardText,
  tumourChannelIndex,
  validateModelAgainstCard,
  validateOutputShape,
} from './model-card';
import { modelCardJsonSchema, modelCardJsonSchemaText } from './model-card-json-schema';
import { loadModelWith } from './model-loader';
import { nodeFileHandler } from './node/node-model-io';

const cardText = (id: string) => readFileSync(join('models', id, 'card.json'), 'utf8');
const card = (id: string): ModelCard => parseModelCardText(cardText(id));
const clone = <T>(x: T): T => structuredClone(x);

describe('model card schema', () => {
  it('accepts every shipped card', () => {
    const ids = readdirSync('models', { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(ids).toContain('test-tiny-mrn');
    for (const id of ids) {
      const c = card(id);
      expect(c.id).toBe(id);
      expect(c.intendedUse).toMatch(/not for diagnosis/);
    }
  });

  it('describes the MRN inputs by role and mpp', () => {
    const c = card('test-tiny-mrn');
    expect(c.architecture).toBe('mrn');
    expect(c.testModel).toBe(true);
    expect(c.inputs.map((i) => [i.name, i.role, i.size, i.mpp])).toEqual([
      ['target', 'target', 64, 1],
      ['context', 'context', 64, 4],
    ]);
    expect(c.output).toMatchObject({ name: 'probability', size: 64, mpp: 1, activation: 'sigmoid' });
  });

  it('lists every problem of an invalid card', () => {
    const bad = JSON.parse(cardText('test-tiny-mrn'));
    bad.batchSize = 0;
    delete bad.intendedUse;
    try {
      parseModelCard(bad, 'bad card');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ModelCardError);
      const problems = (e as ModelCardError).problems.join('\n');
      expect(problems).toMatch(/batchSize/);
      expect(problems).toMatch(/intendedUse/);
    }
  });

  it('rejects duplicate input roles', () => {
    const bad = JSON.parse(cardText('test-tiny-mrn'));
    bad.inputs[1].role = 'target';
    expect(() => parseModelCard(bad)).toThrow(/duplicate input roles/);
  });

  it('rejects malformed JSON with a clear message', () => {
    expect(() => parseModelCardText('{"id": ', 'x/card.json')).toThrow(/x\/card.json is not valid JSON/);
  });

  it('rejects an MRN card without a context input', () => {
    const bad = JSON.parse(cardText('test-tiny-mrn'));
    bad.inputs = bad.inputs.slice(0, 1);
    expect(() => parseModelCard(bad)).toThrow(/MRN needs a target and a context input/);
  });
});

describe('validateModelAgainstCard', () => {
  let unet: tf.GraphModel;
  let mrn: tf.GraphModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    unet = await tf.loadGraphModel(nodeFileHandler('models/test-tiny-unet/model.json'));
    mrn = await tf.loadGraphModel(nodeFileHandler('models/test-tiny-mrn/model.json'));
  });

  it('accepts models with their own cards', () => {
    expect(() => validateModelAgainstCard(unet, card('test-tiny-unet'))).not.toThrow();
    expect(() => validateModelAgainstCard(mrn, card('test-tiny-mrn'))).not.toThrow();
  });

  it('rejects wrong input names', () => {
    const c = clone(card('test-tiny-unet'));
    c.inputs[0].name = 'image';
    expect(() => validateModelAgainstCard(unet, c)).toThrow(
      /card input "image" \(target\) is not a graph input/,
    );
    expect(() => validateModelAgainstCard(unet, c)).toThrow(/graph input "target" is not in the card/);
  });

  it('rejects wrong shapes and batch sizes', () => {
    const c = clone(card('test-tiny-unet'));
    c.inputs[0].size = 128;
    expect(() => validateModelAgainstCard(unet, c)).toThrow(
      /shape \[8, 64, 64, 3\], card says \[8, 128, 128, 3\]/,
    );
    const d = clone(card('test-tiny-unet'));
    d.batchSize = 4;
    expect(() => validateModelAgainstCard(unet, d)).toThrow(/card says \[4, 64, 64, 3\]/);
  });

  it('rejects a U-Net graph under an MRN card (missing context input)', () => {
    expect(() => validateModelAgainstCard(unet, card('test-tiny-mrn'))).toThrow(
      /"context" \(context\) is not a graph input/,
    );
  });

  it('rejects a missing output', () => {
    const c = clone(card('test-tiny-mrn'));
    c.output.name = 'logits';
    expect(() => validateModelAgainstCard(mrn, c)).toThrow(/card output "logits" is not a graph output/);
  });

  it('checks output shapes', () => {
    const c = card('test-tiny-unet');
    expect(() => validateOutputShape([8, 64, 64, 1], c, 8)).not.toThrow();
    expect(() => validateOutputShape([8, 32, 32, 1], c, 8)).toThrow(/produced shape \[8, 32, 32, 1\]/);
  });
});

describe('model card version 2', () => {
  const example = () => JSON.parse(readFileSync('docs/model-card.example.json', 'utf8'));

  it('parses the published example, filling defaults', () => {
    const c = parseModelCard(example(), 'example');
    expect(c.schemaVersion).toBe(2);
    expect(c.testModel).toBe(false);
    expect(c.output.channels.map((ch) => ch.name)).toEqual(['background', 'benign-gland', 'tumour']);
    expect(tumourChannelIndex(c)).toBe(2);
    expect(c.tissueDetection).toBe('off');
    expect(normalizationAffine(c.inputs[1].normalization)).toEqual({
      scale: 2 / 255,
      mean: [1, 1, 1],
      std: [1, 1, 1],
    });
  });

  it('upgrades a version 1 card to the same meaning', () => {
    const c = card('test-tiny-mrn');
    expect(c.schemaVersion).toBe(2);
    expect(c.output).toMatchObject({
      channels: [{ name: 'tumour' }],
      tumourChannel: 'tumour',
      activation: 'sigmoid',
      applyActivation: false,
    });
    expect(normalizationAffine(c.inputs[0].normalization)).toEqual({
      scale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    expect(c.training?.data).toMatch(/test model/);
    // the upgraded card round-trips through JSON (the page hands it to the worker as text)
    expect(parseModelCardText(JSON.stringify(c))).toEqual(c);
  });

  it('range normalisation maps 0..255 onto [min, max]', () => {
    const a = normalizationAffine({ kind: 'range', min: -1, max: 1 });
    for (const x of [0, 128, 255])
      expect((x * a.scale - a.mean[0]) / a.std[0]).toBeCloseTo(-1 + (2 * x) / 255, 12);
  });

  it('names every problem of a bad version 2 card', () => {
    const bad = example();
    bad.output.tumourChannel = 'cancer';
    bad.inputs[1].mpp = 0.5; // context narrower than the target
    bad.inputs[0].normalization = { kind: 'range', min: 1, max: 0 };
    bad.tissueDetection = 'sometimes';
    const problems = (() => {
      try {
        parseModelCard(bad);
      } catch (e) {
        return (e as ModelCardError).problems.join('\n');
      }
      return '';
    })();
    expect(problems).toMatch(/tissueDetection/);
    expect(problems).toMatch(/range max must exceed min/);
    const fixed = example();
    fixed.output.tumourChannel = 'cancer';
    fixed.inputs[1].mpp = 0.5;
    expect(() => parseModelCard(fixed)).toThrow(/tumour channel "cancer" is not one of the output channels/);
    expect(() => parseModelCard(fixed)).toThrow(/context input must cover at least the target field/);
  });

  it('rejects softmax over one channel and unknown versions', () => {
    const one = example();
    one.output.channels = [{ name: 'tumour' }];
    expect(() => parseModelCard(one)).toThrow(/softmax needs at least two output channels/);
    expect(() => parseModelCard({ ...example(), schemaVersion: 3 })).toThrow(
      /schemaVersion 3 is not supported/,
    );
  });

  it('gives a clear error at load when the declared output channels do not match the graph', async () => {
    const c = clone(card('test-tiny-unet'));
    c.output.channels = [{ name: 'background' }, { name: 'tumour' }];
    const loaded = await loadModelWith(nodeFileHandler('models/test-tiny-unet/model.json'), c);
    const engine = createEngine({ backend: 'cpu', candidates: ['cpu'] });
    try {
      await expect(engine.load(loaded.artifacts, loaded.spec)).rejects.toThrow(
        /output 'probability' has shape \[8, 64, 64, 1\], card says \[8, 64, 64, 2\] \(the card declares 2 output channel\(s\), the graph has 1\)/,
      );
    } finally {
      engine.dispose();
    }
    // a static shape, where a graph declares one, is checked without running it
    expect(() =>
      validateModelAgainstCard(
        {
          inputs: [{ name: 'target', shape: [8, 64, 64, 3] }],
          outputs: [{ name: 'probability', shape: [8, 64, 64, 1] }],
        },
        c,
      ),
    ).toThrow(
      /card declares 2 output channel\(s\) \(background, tumour\) but graph output "probability" has shape \[8, 64, 64, 1\]/,
    );
  });

  it('the committed JSON Schema is up to date (npm run card-schema)', () => {
    expect(readFileSync('docs/model-card.schema.json', 'utf8')).toBe(modelCardJsonSchemaText());
    const schema = modelCardJsonSchema() as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(
      expect.arrayContaining(['schemaVersion', 'inputs', 'output', 'intendedUse']),
    );
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['tissueDetection', 'training']));
  });
});
