// OnnxImport end to end in Node: the real converter (in process, as the worker runs it), real
// IndexedDB code on fake-indexeddb, the real model list; the inference worker is the only fake.
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../inference/engine';
import { loadModelFromUrl } from '../../inference/model-loader';
import { convertedStore } from '../../inference/onnx-import/converted-store';
import { inProcessConverter, type OnnxConverter } from '../../inference/onnx-import/onnx-converter';
import { tinyExpected, tinyOnnx } from '../../inference/onnx-import/tiny-onnx.fixture';
import { getAnalysis } from '../analysis-store';
import { getOnnxImport, initialOnnxImportState, setOnnxImport } from '../onnx-import-store';
import { fakeEngine, patternEntry, resetStores } from './analysis-fakes.fixture';
import { ModelRuntimes } from './model-runtimes';
import { notifyUser } from './notify';
import { OnnxImport } from './onnx-import';

const CARD = {
  id: 'tiny-onnx',
  name: 'Tiny ONNX',
  inputs: [{ role: 'target', mpp: 1, normalization: { kind: 'range', min: 0, max: 1 } }],
  output: { channels: [{ name: 'background' }, { name: 'tumour' }] },
  training: { data: 'none (fixed weights)' },
  intendedUse: 'Import test.',
};

let dbCount = 0;

function setup(
  options: {
    limits?: ConstructorParameters<typeof OnnxImport>[0]['limits'];
    files?: Record<string, Uint8Array | string>;
  } = {},
) {
  const store = convertedStore(`test-converted-${dbCount++}`);
  const conversions = { n: 0 };
  const converter = (): OnnxConverter => {
    const c = inProcessConverter();
    return {
      ...c,
      convert: (b, o) => {
        conversions.n++;
        return c.convert(b, o);
      },
    };
  };
  const engine = fakeEngine([patternEntry('served')]);
  engine.storedModels = async () =>
    (await store.list()).map((r) => ({ id: r.id, url: `converted:${r.id}`, card: r.card, error: null }));
  const models = new ModelRuntimes(engine, '/models/', notifyUser, () => {});
  const files = options.files ?? {};
  const onnx = new OnnxImport({
    converter,
    store,
    models,
    limits: options.limits,
    fetch: async (url) => {
      const body = files[url];
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      // biome-ignore lint/suspicious/noExplicitAny: TS's lib cannot tell the buffer is not shared
      const init: any = bytes;
      return new Response(init ?? 'missing', { status: bytes ? 200 : 404 });
    },
    now: () => '2026-12-01T00:00:00.000Z',
  });
  models.setOnnxImporter((u, c) => onnx.importUrl(u, c));
  return { store, models, onnx, conversions, engine };
}

const file = (bytes: Uint8Array<ArrayBuffer> | string, name: string) => new File([bytes], name);

async function nothingKept(s: ReturnType<typeof setup>, id = 'tiny-onnx') {
  expect(await s.store.list()).toEqual([]);
  expect(getAnalysis().models.map((m) => m.id)).not.toContain(id);
}

describe('OnnxImport', () => {
  beforeAll(() => tf.setBackend('cpu'));
  beforeEach(() => {
    resetStores();
    setOnnxImport(initialOnnxImportState);
  });

  it('a dropped file: progress, the form, the warm-up check, IndexedDB, the picker; a reload converts nothing', async () => {
    const s = setup();
    const stages = new Set<string>();
    const { onnxImportStore } = await import('../onnx-import-store');
    const unsub = onnxImportStore.subscribe((st) => st.progress && stages.add(st.progress.stage));
    await s.onnx.importFile(
      file(tinyOnnx({ channels: 2 }), 'tiny-onnx.onnx'),
      file(JSON.stringify({ training: { data: 'x' } }), 'card.json'),
    );
    unsub();
    expect([...stages]).toEqual(['reading', 'parsing', 'converting']);
    const st = getOnnxImport();
    expect(st.phase).toBe('form');
    expect(st.summary).toMatchObject({
      nodes: 2,
      opset: 17,
      inputs: [{ name: 'target', shape: [2, 16, 16, 3] }],
    });
    const draft = {
      ...st.draft!,
      inputs: [{ ...st.draft!.inputs[0], mpp: 1, normalization: { kind: 'range' as const, min: 0, max: 1 } }],
    };
    expect(draft.trainingData).toBe('x'); // from the card.json dropped beside it
    const id = await s.onnx.submit(draft);
    expect(id).toBe('tiny-onnx');
    expect(getOnnxImport()).toMatchObject({ phase: 'idle', added: 'tiny-onnx', error: null });
    expect(getOnnxImport().converted.map((c) => c.id)).toEqual(['tiny-onnx']);
    expect(getAnalysis().models.map((m) => m.id)).toEqual(['served', 'tiny-onnx']);
    expect((await s.models.entry('tiny-onnx')).url).toBe('converted:tiny-onnx');

    // the inference worker's loader reads it from IndexedDB; its output is the ONNX model's
    const loaded = await loadModelFromUrl('converted:tiny-onnx', { converted: s.store });
    const engine = createEngine({ backend: 'cpu', candidates: ['cpu'] });
    await engine.load(loaded.artifacts, loaded.spec);
    const px = new Float32Array(2 * 16 * 16 * 3);
    for (let i = 0; i < px.length; i += 3) px.set([200 / 255, 30 / 255, 90 / 255], i); // range 0..1
    const out = await engine.predict({ target: px }, 2);
    expect(out[0]).toBeCloseTo(tinyExpected([200 / 255, 30 / 255, 90 / 255], 1, 2), 6);
    engine.dispose();

    // a reload: a fresh model list finds it in IndexedDB, with no conversion
    const before = s.conversions.n;
    resetStores();
    const again = new ModelRuntimes(s.engine, '/models/', notifyUser, () => {});
    await again.loadModels();
    expect(getAnalysis().models.map((m) => m.id)).toEqual(['served', 'tiny-onnx']);
    expect(s.conversions.n).toBe(before);

    // the download is the model folder: model.json + shard + card.json, byte for byte
    const zip = await s.onnx.download('tiny-onnx');
    const files = unzipSync(zip.bytes);
    expect(Object.keys(files).sort()).toEqual([
      'tiny-onnx/card.json',
      'tiny-onnx/group1-shard1of1.bin',
      'tiny-onnx/model.json',
    ]);
    const rec = (await s.store.get('tiny-onnx'))!;
    expect(files['tiny-onnx/group1-shard1of1.bin']).toEqual(rec.weights);
    expect(JSON.parse(new TextDecoder().decode(files['tiny-onnx/card.json']))).toEqual(rec.card);
    expect(JSON.parse(new TextDecoder().decode(files['tiny-onnx/model.json']))).toEqual(rec.modelJson);

    await s.onnx.remove('tiny-onnx');
    await nothingKept(s);
  });

  it("the form's batch size and float16: converted again, kept in the card, IndexedDB and the download", async () => {
    const s = setup();
    await s.onnx.importFile(file(tinyOnnx({ channels: 2 }), 'tiny-onnx.onnx'));
    const st = getOnnxImport();
    expect(st.draft).toMatchObject({ batch: 2, float16: false }); // the file's batch, fp32
    const fp32Bytes = st.summary!.weightBytes;
    const draft = {
      ...st.draft!,
      inputs: [{ ...st.draft!.inputs[0], mpp: 1, normalization: { kind: 'range' as const, min: 0, max: 1 } }],
      trainingData: 'none',
      batch: 3,
      float16: true,
    };
    expect(await s.onnx.submit(draft)).toBe('tiny-onnx');
    expect(s.conversions.n).toBe(2); // once for the form, once more for the batch and float16 asked
    const rec = (await s.store.get('tiny-onnx'))!;
    expect(rec.card).toMatchObject({ batchSize: 3, quantization: 'float16' });
    expect(rec.card.inputs[0]).toMatchObject({ size: 16 });
    expect(rec.weights.byteLength).toBe(fp32Bytes / 2);
    const entries = (rec.modelJson.weightsManifest as { weights: { quantization?: unknown }[] }[])[0].weights;
    expect(entries.every((e) => JSON.stringify(e.quantization) === '{"dtype":"float16"}')).toBe(true);
    const files = unzipSync((await s.onnx.download('tiny-onnx')).bytes);
    expect(files['tiny-onnx/group1-shard1of1.bin']).toEqual(rec.weights);
    expect(JSON.parse(new TextDecoder().decode(files['tiny-onnx/card.json']))).toMatchObject({
      batchSize: 3,
      quantization: 'float16',
    });
    // loaded back from IndexedDB: batch 3, float16 weights dequantised, within 1e-3 of the fp32 model
    const loaded = await loadModelFromUrl('converted:tiny-onnx', { converted: s.store });
    const engine = createEngine({ backend: 'cpu', candidates: ['cpu'] });
    await engine.load(loaded.artifacts, loaded.spec);
    const rgb: [number, number, number] = [200 / 255, 30 / 255, 90 / 255];
    const px = new Float32Array(3 * 16 * 16 * 3);
    for (let i = 0; i < px.length; i += 3) px.set(rgb, i);
    const out = await engine.predict({ target: px }, 3);
    expect(out.length).toBe(3 * 16 * 16);
    const want = tinyExpected(rgb, 1, 2);
    expect(Math.abs(out[3 * 16 * 16 - 1] - want)).toBeLessThan(1e-3);
    engine.dispose();
  });

  it('an .onnx URL given in the panel: fetched, converted, the form pre-filled from the card.json beside it', async () => {
    const s = setup({
      files: {
        'https://h/p/net.onnx': tinyOnnx({ channels: 2 }),
        'https://h/p/card.json': JSON.stringify({ ...CARD, id: 'beside-url', batchSize: 4 }),
      },
    });
    await s.onnx.importUrlToForm('https://h/p/net.onnx');
    const st = getOnnxImport();
    expect(st).toMatchObject({ phase: 'form', source: 'https://h/p/net.onnx', error: null });
    expect(st.draft).toMatchObject({ id: 'beside-url', batch: 4, float16: false, inputs: [{ mpp: 1 }] });
    expect(await s.onnx.submit()).toBe('beside-url');
    expect((await s.store.get('beside-url'))!.card.batchSize).toBe(4);
    expect(s.conversions.n).toBe(2); // the file's batch 2 for the form, then the card's 4
    // a server answering index.html for the missing card.json (an SPA fallback): no card, the form asks
    const spa = setup({
      files: {
        'https://h/q/net.onnx': tinyOnnx({ channels: 2 }),
        'https://h/q/card.json': '<!doctype html>',
      },
    });
    await spa.onnx.importUrlToForm('https://h/q/net.onnx');
    expect(getOnnxImport()).toMatchObject({ phase: 'form', error: null, draft: { id: 'net', given: null } });
    spa.onnx.cancel();
    // a missing file is an error in the import, and nothing is kept
    await s.onnx.importUrlToForm('https://h/p/none.onnx');
    expect(getOnnxImport()).toMatchObject({ phase: 'error', error: expect.stringMatching(/HTTP 404/) });
  });

  it('addModel with an .onnx URL and its card: converted, checked, kept', async () => {
    const s = setup({ files: { 'https://h/m/tiny.onnx': tinyOnnx({ channels: 2 }) } });
    expect(await s.models.addModel('https://h/m/tiny.onnx', JSON.stringify(CARD))).toBe('tiny-onnx');
    expect((await s.store.get('tiny-onnx'))?.card.output.tumourChannel).toBe('tumour');
    expect((await s.store.get('tiny-onnx'))?.card).toMatchObject({ batchSize: 2, quantization: 'none' });
    // a card asking for a batch size and float16 chooses the conversion
    const card16 = { ...CARD, id: 'tiny-16', batchSize: 5, quantization: 'float16' };
    expect(await s.models.addModel('https://h/m/tiny.onnx', JSON.stringify(card16))).toBe('tiny-16');
    const r16 = (await s.store.get('tiny-16'))!;
    expect(r16.card).toMatchObject({ batchSize: 5, quantization: 'float16' });
    expect(r16.weights.byteLength).toBe((await s.store.get('tiny-onnx'))!.weights.byteLength / 2);
    expect(getAnalysis().models.map((m) => m.id)).toContain('tiny-onnx');
    // a card.json beside the file serves when no card is given
    const t = setup({
      files: {
        'https://h/n/t.onnx': tinyOnnx({ channels: 2 }),
        'https://h/n/card.json': JSON.stringify({ ...CARD, id: 'beside' }),
      },
    });
    expect(await t.models.addModel('https://h/n/t.onnx')).toBe('beside');
    await expect(t.models.addModel('https://h/x/none.onnx', JSON.stringify(CARD))).rejects.toThrow(
      /HTTP 404/,
    );
  });

  const bad: [
    string,
    () => Uint8Array<ArrayBuffer> | string,
    object,
    RegExp,
    Partial<{ maxWeightBytes: number }>?,
  ][] = [
    ['a truncated file', () => tinyOnnx().slice(0, 60), CARD, /truncated|not an ONNX model/],
    ['a file that is not ONNX', () => 'this is a PNG, honest', CARD, /not an ONNX model/],
    [
      'an unsupported op',
      () => tinyOnnx({ unsupported: 'Einsum', channels: 2 }),
      CARD,
      /unsupported ONNX op\(s\): Einsum \(weird_node\)/,
    ],
    [
      'input shapes that contradict the card',
      () => tinyOnnx({ channels: 2 }),
      { ...CARD, inputs: [{ ...CARD.inputs[0], size: 64 }] },
      /"target" is 16 px in the ONNX graph, the card says 64/,
    ],
    [
      'a card channel the output does not have',
      () => tinyOnnx({ channels: 1 }),
      CARD,
      /declares 2 output channel\(s\), the ONNX output "output" has 1/,
    ],
    [
      'weights over the cap',
      () => tinyOnnx({ channels: 2, padFloats: 50_000 }),
      CARD,
      /weights are 195\.\d KiB, over the 97\.7 KiB cap/,
      { maxWeightBytes: 100_000 },
    ],
  ];
  for (const [what, bytes, card, message, limits] of bad) {
    it(`${what}: a clear error, nothing kept (URL and dropped file)`, async () => {
      const s = setup({
        files: { 'https://h/bad.onnx': bytes() },
        limits: limits
          ? { maxFileBytes: 2 ** 30, maxWeightBytes: limits.maxWeightBytes ?? 2 ** 30 }
          : undefined,
      });
      await expect(s.models.addModel('https://h/bad.onnx', JSON.stringify(card))).rejects.toThrow(message);
      expect(getOnnxImport()).toMatchObject({ phase: 'error' });
      expect(getOnnxImport().error).toMatch(message);
      await nothingKept(s);
      // the same through the page: drop it with the card beside it, submit the form
      await s.onnx.importFile(file(bytes(), 'bad.onnx'), file(JSON.stringify(card), 'card.json'));
      if (getOnnxImport().phase === 'form') {
        await expect(s.onnx.submit()).rejects.toThrow(message);
        expect(getOnnxImport().phase).toBe('form'); // open to fix the card
      } else expect(getOnnxImport().phase).toBe('error');
      expect(getOnnxImport().error).toMatch(message);
      await nothingKept(s);
    });
  }

  it('a file over the size cap is refused before it is read', async () => {
    const s = setup({ limits: { maxFileBytes: 1000, maxWeightBytes: 2 ** 30 } });
    await s.onnx.importFile(file(new Uint8Array(5000), 'big.onnx'));
    expect(getOnnxImport().error).toMatch(/the ONNX file is 4\.9 KiB, over the 1000 B cap/);
    expect(s.conversions.n).toBe(0);
  });

  it('cancel: stops the import, nothing kept; an id of a served model is refused', async () => {
    const s = setup();
    const importing = s.onnx.importFile(file(tinyOnnx({ channels: 2 }), 'c.onnx'));
    s.onnx.cancel();
    await importing;
    expect(getOnnxImport()).toMatchObject({ phase: 'idle', draft: null, error: null });
    await expect(s.onnx.submit()).rejects.toThrow(/no converted ONNX model is waiting/);
    await nothingKept(s, 'c');
    await s.onnx.importFile(file(tinyOnnx({ channels: 2 }), 'c.onnx'));
    const d = getOnnxImport().draft!;
    await expect(
      s.onnx.submit({ ...d, id: 'served', inputs: [{ ...d.inputs[0], mpp: 1 }], trainingData: 'x' }),
    ).rejects.toThrow(/a model "served" is already in the picker/);
    expect(await s.store.list()).toEqual([]);
  });
});
