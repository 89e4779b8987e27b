import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultComparePair,
  defaultModel,
  fetchModels,
  type ModelEntry,
  parseModelIndex,
  usableModels,
} from './model-index';

const root = path.resolve(import.meta.dirname, '../..');
const tinyCard = JSON.parse(readFileSync(path.join(root, 'models/test-tiny-mrn/card.json'), 'utf8'));

function entry(id: string, architecture: 'unet' | 'mrn' | 'pattern', testModel: boolean): ModelEntry {
  return { id, url: `/models/${id}/`, card: { ...tinyCard, id, architecture, testModel }, error: null };
}

describe('model index', () => {
  it('resolves directories against the base', () => {
    expect(parseModelIndex('{"models":[{"id":"unet","path":"models/unet/"}]}', '/models/')).toEqual([
      { id: 'unet', url: '/models/unet/' },
    ]);
    expect(parseModelIndex('{"models":[{"id":"a","path":"models/a"}]}', '/app/models/')[0].url).toBe(
      '/app/models/a/',
    );
  });

  it('says what is wrong with a bad index', () => {
    expect(() => parseModelIndex('<!doctype html>', '/models/')).toThrow(/not JSON/);
    expect(() => parseModelIndex('{"models":[{"id":1}]}', '/models/')).toThrow(/bad model index/);
  });

  it('fetches and validates every card, keeping broken ones with their problem', async () => {
    const files: Record<string, string> = {
      '/models/index.json': JSON.stringify({
        models: [
          { id: 'test-tiny-mrn', path: 'models/test-tiny-mrn/' },
          { id: 'broken', path: 'models/broken/' },
          { id: 'missing', path: 'models/missing/' },
        ],
      }),
      '/models/test-tiny-mrn/card.json': JSON.stringify(tinyCard),
      '/models/broken/card.json': JSON.stringify({ ...tinyCard, inputs: [] }),
    };
    const fetchImpl = (async (url: string) =>
      url in files ? new Response(files[url]) : new Response('no', { status: 404 })) as typeof fetch;
    const models = await fetchModels('/models/', { fetchImpl });
    expect(models.map((m) => [m.id, m.card !== null])).toEqual([
      ['test-tiny-mrn', true],
      ['broken', false],
      ['missing', false],
    ]);
    expect(models[1].error).toMatch(/inputs/);
    expect(models[2].error).toMatch(/404/);
    expect(usableModels(models).map((m) => m.id)).toEqual(['test-tiny-mrn']);
  });

  it('puts U-Net left and MRN right, preferring trained models', () => {
    const tests = [
      entry('test-tiny-unet', 'unet', true),
      entry('test-tiny-mrn', 'mrn', true),
      entry('test-pattern', 'pattern', true),
    ];
    expect(defaultComparePair(tests)).toEqual(['test-tiny-unet', 'test-tiny-mrn']);
    expect(defaultModel(tests)).toBe('test-tiny-mrn');
    const real = [
      ...tests,
      entry('mrn-transposed', 'mrn', false),
      entry('mrn-bilinear', 'mrn', false),
      entry('unet', 'unet', false),
      entry('unet-context', 'unet', false),
    ];
    expect(defaultComparePair(real)).toEqual(['unet', 'mrn-bilinear']);
    expect(usableModels(real)[0].card!.testModel).toBe(false);
    expect(defaultComparePair([entry('test-pattern', 'pattern', true)])).toEqual([null, null]);
    expect(defaultModel([entry('test-pattern', 'pattern', true)])).toBe('test-pattern');
  });
});
