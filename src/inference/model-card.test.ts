import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ModelCard,
  ModelCardError,
  parseModelCard,
  parseModelCardText,
  validateModelAgainstCard,
  validateOutputShape,
} from './model-card';
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
