// Several named output channels and label-mask truth, end to end through the analysis session
// (fake two-channel engine; real planner, scheduler, stores, label-mask parser and metrics).
import 'fake-indexeddb/auto';
import { encode } from 'fast-png';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InferenceHandle } from '../../inference/inference-client';
import { syntheticSource } from '../../slide/synthetic-source.fixture';
import { getAnalysis } from '../analysis-store';
import { getState, setState } from '../app-store';
import {
  disposeSessions,
  fakeEngine,
  openInStore,
  patternEntry,
  resetStores,
  testSession,
} from './analysis-fakes.fixture';
import { maskSidecarUrls } from './ground-truth-state';

// "glands": a rectangle, red 255 inside, 0 outside; on even coordinates so 2 × 2 store pixels fit
const inGland = (x: number, y: number) => x >= 200 && x < 600 && y >= 200 && y < 500;
const source = () => syntheticSource(1000, 800, (x, y) => [inGland(x, y) ? 255 : 0, 120, 160]);
const REGION = { x: 100, y: 100, width: 700, height: 500 };

/** Gland label mask at half resolution (an integer downsample of the slide), labels 1 and 2. */
function maskPng(): Uint8Array {
  const w = 500;
  const h = 400;
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) if (inGland(x * 2, y * 2)) data[y * w + x] = x < 200 ? 1 : 2;
  return encode({ width: w, height: h, data, channels: 1 });
}

afterEach(disposeSessions);

function setup(sidecar?: Record<string, Uint8Array | string>) {
  const entry = patternEntry('glas-like');
  entry.card = {
    ...entry.card!,
    output: {
      ...entry.card!.output,
      channels: [{ name: 'tumour' }, { name: 'gland' }],
      tumourChannel: 'tumour',
    },
  };
  const engine = fakeEngine([entry]);
  const channels: (number | undefined)[] = [];
  const start = engine.startInference.bind(engine);
  // two channels: gland = red / 255, tumour = 1 − red / 255 (so they are told apart)
  engine.startInference = async (url, o) => {
    const h = await start(url, o);
    const two: InferenceHandle = {
      ...h,
      spec: { ...h.spec, output: { ...h.spec.output, channels: 2, select: 0 } },
      async predict(inputs, count, channel) {
        channels.push(channel);
        const red = await h.predict(inputs, count);
        return channel === 1 ? red : red.map((v) => 1 - v);
      },
    };
    return two;
  };
  const src = source();
  const session = testSession(src, {
    engine,
    viewRect: () => REGION,
    fetchSidecar: async (url) => {
      const v = sidecar?.[url];
      if (v === undefined) return { ok: false, text: async () => '' };
      return {
        ok: true,
        text: async () => (typeof v === 'string' ? v : ''),
        arrayBuffer: async () => (typeof v === 'string' ? new ArrayBuffer(0) : v.slice().buffer),
      };
    },
  });
  return { session, src, channels };
}

describe('output channels and label-mask truth', () => {
  beforeEach(resetStores);

  it('a malignant mask is gland and tumour truth; each channel is run, stored and scored apart', async () => {
    const { session, src, channels } = setup();
    openInStore(src, null);
    const info = await session.setTruthFromMask(maskPng(), 'mask.png', {
      gradeCsv: 'name,patient_id,grade_glas\nsynthetic,1,malignant\nother,2,benign\n',
    });
    expect(info).toEqual({ name: 'mask.png', regions: 0, channels: ['gland', 'tumour'], grade: 'malignant' });
    const gland = await session.analyze('glas-like#gland', REGION, { backend: 'wasm' });
    expect(new Set(channels)).toEqual(new Set([1]));
    expect(gland.model).toMatchObject({ id: 'glas-like#gland', channel: 'gland' });
    expect(gland.stats.channel).toBe('gland');
    // the gland channel reproduces the mask exactly
    expect(gland.stats.dice).toBeCloseTo(1, 6);
    expect(gland.metrics?.iou).toBeCloseTo(1, 6);
    const tumour = await session.analyze('glas-like', REGION, { backend: 'wasm' });
    expect(channels.at(-1)).toBe(0);
    expect(tumour.stats.channel).toBe('tumour');
    expect(tumour.stats.dice).toBeCloseTo(0, 6); // the inverse of the truth
    // stores apart: the same point reads 1 on gland, 0 on tumour
    expect(session.exports.sample('glas-like#gland', 401, 301)).toBeCloseTo(1, 2);
    expect(session.exports.sample('glas-like', 401, 301)).toBeCloseTo(0, 2);
    // exports name the channel
    const csv = await session.exports.summaryText('glas-like#gland', 'csv');
    expect(csv).toMatch(/model\.channel,gland/);
    const regions = session.exports.regions('glas-like#gland');
    expect(regions.features.length).toBe(1);
    expect(regions.features[0].properties).toMatchObject({
      channel: 'gland',
      classification: { name: 'Gland' },
    });
  });

  it('a benign mask gives empty tumour truth; an unknown grade gives none (and says so)', async () => {
    const { session, src } = setup();
    openInStore(src, null);
    const benign = await session.setTruthFromMask(maskPng(), 'mask.png', { grade: 'benign' });
    expect(benign.channels).toEqual(['gland', 'tumour']);
    const t = await session.analyze('glas-like', REGION, { backend: 'wasm' });
    // tumour truth is empty: the tumour channel's positives are all false positives
    expect(t.metrics).toMatchObject({ tp: 0, fn: 0 });
    expect(t.metrics!.fp).toBeGreaterThan(0);
    const unknown = await session.setTruthFromMask(maskPng(), 'mask.png', {
      gradeCsv: 'name,patient_id,grade_glas\nx,1,benign\n',
    });
    expect(unknown).toMatchObject({ channels: ['gland'], grade: null });
    expect(getState().notice?.message).toMatch(/mask\.png: gland truth only; the image's grade is not known/);
    expect(session.exports.stats('glas-like')?.dice).toBeUndefined();
    await session.analyze('glas-like#gland', REGION, { backend: 'wasm' });
    expect(session.exports.stats('glas-like#gland')?.dice).toBeCloseTo(1, 6);
  });

  it('switching the channel keeps the model; an unknown channel is named', async () => {
    const { session, src } = setup();
    openInStore(src, null);
    await session.models.loadModels();
    session.display.setModel('glas-like');
    session.display.setChannel('gland');
    expect(getAnalysis().model).toBe('glas-like#gland');
    expect(session.display.channel()).toBe('gland');
    session.display.setChannel('tumour');
    expect(getAnalysis().model).toBe('glas-like');
    expect(() => session.display.setChannel('lumen')).toThrow(
      'Model "glas-like" has no output channel "lumen" (it has tumour, gland).',
    );
  });

  it('a mask given while the mpp is unknown waits for the mpp prompt, then attaches', async () => {
    const { session, src } = setup();
    openInStore(src, null);
    setState({ metadata: { ...getState().metadata!, mpp: null, mppSource: null } });
    let info: unknown = null;
    const attached = session
      .setTruthFromMask(maskPng(), 'mask.png', { grade: 'malignant' })
      .then((i) => (info = i));
    await new Promise((r) => setTimeout(r, 50));
    expect(getState().mppPromptOpen).toBe(true);
    expect(info).toBeNull();
    expect(getAnalysis().groundTruth).toBeNull();
    // the prompt is answered (what SlideSession.setMpp writes): the context opens, the mask attaches
    setState({ metadata: { ...getState().metadata!, mpp: 0.5, mppSource: 'user' }, mppPromptOpen: false });
    await attached;
    expect(info).toEqual({ name: 'mask.png', regions: 0, channels: ['gland', 'tumour'], grade: 'malignant' });
    expect(getAnalysis().groundTruth).toMatchObject({ name: 'mask.png', channels: ['gland', 'tumour'] });
    const gland = await session.analyze('glas-like#gland', REGION, { backend: 'wasm' });
    expect(gland.stats.dice).toBeCloseTo(1, 6);
  });

  it('an annotation given while the mpp is unknown waits for the mpp prompt too, then attaches', async () => {
    const { session, src } = setup();
    openInStore(src, null);
    setState({ metadata: { ...getState().metadata!, mpp: null, mppSource: null } });
    const geojson = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: {},
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [200, 200],
                [600, 200],
                [600, 500],
                [200, 500],
                [200, 200],
              ],
            ],
          },
        },
      ],
    });
    // the plain call still needs the mpp now
    expect(() => session.setTruthFromText(geojson, 'glands.geojson')).toThrow();
    let info: unknown = null;
    const attached = session.setTruthFromTextWhenReady(geojson, 'glands.geojson').then((i) => (info = i));
    await new Promise((r) => setTimeout(r, 50));
    expect(getState().mppPromptOpen).toBe(true);
    expect(info).toBeNull();
    expect(getAnalysis().groundTruth).toBeNull();
    setState({ metadata: { ...getState().metadata!, mpp: 0.5, mppSource: 'user' }, mppPromptOpen: false });
    await attached;
    expect(info).toMatchObject({ name: 'glands.geojson', regions: 1 });
    expect(getAnalysis().groundTruth).toMatchObject({ name: 'glands.geojson' });
    // an annotation is tumour truth: the tumour channel (1 − red, outside the rectangle) is scored on it
    const tumour = await session.analyze('glas-like', REGION, { backend: 'wasm' });
    expect(tumour.stats.dice).toBeTypeOf('number');
    expect(tumour.stats.dice).toBeLessThan(0.01);
  });

  it('a mask that does not fit the slide is refused naming the file', async () => {
    const { session, src } = setup();
    openInStore(src, null);
    const small = encode({ width: 300, height: 200, data: new Uint8Array(300 * 200), channels: 1 });
    await expect(session.setTruthFromMask(small, 'testA_9.png')).rejects.toThrow(
      'testA_9.png: a 300×200 mask is not aligned to the 1000×800 slide',
    );
  });

  it('a GlaS-style slide URL finds its mask and Grade.csv (…/img/N.png → …/mask/N.png, …/Grade.csv)', async () => {
    expect(maskSidecarUrls('/data/testA/img/testA_1.png?x=1')).toEqual({
      mask: '/data/testA/mask/testA_1.png',
      grades: '/data/testA/Grade.csv',
    });
    expect(maskSidecarUrls('/slides/a.svs')).toBeNull();
    const { session, src } = setup({
      '/glas/mask/synthetic.png': maskPng(),
      '/glas/Grade.csv': 'name,patient_id,grade_glas\nsynthetic,4,malignant\n',
    });
    openInStore(src, '/glas/img/synthetic.png');
    await expect
      .poll(() => getAnalysis().groundTruth, { timeout: 10_000 })
      .toMatchObject({
        name: 'mask/synthetic.png',
        channels: ['gland', 'tumour'],
        grade: 'malignant',
      });
    const r = await session.analyze('glas-like#gland', REGION, { backend: 'wasm' });
    expect(r.stats.dice).toBeCloseTo(1, 6);
  });
});
