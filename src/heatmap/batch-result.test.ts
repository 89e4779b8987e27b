import { describe, expect, it } from 'vitest';
import type { SlideMetadata } from '../slide/slide-types';
import {
  BatchResultError,
  batchFileGroups,
  INDEX_FORMAT,
  readBatchFiles,
  readBatchResultsUrl,
} from './batch-result';
import { batchFolderFiles, manifestFor } from './batch-result.fixture';
import { cellRange, fillStore, testStore } from './store.fixture';

const slide = { width: 2000, height: 1600, mpp: 0.5, name: 'a.tiff' } as SlideMetadata;

function parts(modelId = 'unet') {
  const store = testStore(modelId);
  fillStore(store, cellRange(0, 0, 4, 3), (x, y) => (x < 200 && y < 150 ? 0.9 : 0.1));
  const summary = { tumourAreaMm2: 0.0123, analysedAreaMm2: 0.2, patches: store.cellCount, backend: 'wasm' };
  const regions = { type: 'FeatureCollection', features: [] };
  return {
    store,
    summary: summary as never,
    regions: regions as never,
    manifest: manifestFor(store, slide, 'a'),
  };
}

const slideFile = () => {
  const f = new File([new Uint8Array([0x49, 0x49, 42, 0])], 'a.tiff');
  Object.defineProperty(f, 'webkitRelativePath', { value: 'case/a.tiff' });
  return f;
};

describe('batch result folders', () => {
  it('finds every folder with a manifest and a heatmap, and only their result files', () => {
    const files = [
      slideFile(),
      ...batchFolderFiles('case/out/a/unet', parts('unet')),
      ...batchFolderFiles('case/out/a/mrn', parts('mrn')),
    ];
    const groups = batchFileGroups(files);
    expect(groups.map((g) => g.dir)).toEqual(['case/out/a/mrn', 'case/out/a/unet']);
    expect(groups.every((g) => g.files.length === 5)).toBe(true);
    // loose files are one folder
    expect(batchFileGroups(batchFolderFiles('', parts())).map((g) => g.dir)).toEqual(['']);
    // a manifest with no heatmap is no result
    expect(batchFileGroups(batchFolderFiles('x', parts()).filter((f) => !f.name.endsWith('.gz')))).toEqual(
      [],
    );
  });

  it('reads the stored store back cell for cell, with its manifest, summary and regions', async () => {
    const p = parts();
    const [r] = await readBatchFiles(batchFolderFiles('out/a/unet', p));
    expect(r.from).toBe('out/a/unet');
    expect(r.manifest.model.id).toBe('unet');
    expect(r.summary.tumourAreaMm2).toBe(0.0123);
    expect(r.store.cellCount).toBe(p.store.cellCount);
    for (const [x, y] of [
      [10, 10],
      [150, 100],
      [300, 200],
    ])
      expect(r.store.sampleLevel0(x, y)).toBe(p.store.sampleLevel0(x, y));
  });

  it('refuses a folder whose heatmap is not its manifest’s, or a manifest of another format', async () => {
    const p = parts();
    const other = { ...p, manifest: { ...p.manifest, store: { ...p.manifest.store, cells: 3 } } };
    await expect(readBatchFiles(batchFolderFiles('d', other))).rejects.toThrow(/not the manifest's/);
    const alien = { ...p, manifest: { ...p.manifest, format: 'x' } as never };
    await expect(readBatchFiles(batchFolderFiles('d', alien))).rejects.toThrow(BatchResultError);
    const outside = { ...p, manifest: { ...p.manifest, files: { ...p.manifest.files, heatmap: '../h.gz' } } };
    await expect(readBatchFiles(batchFolderFiles('d', outside))).rejects.toThrow(/outside its folder/);
  });

  it('reads a slide folder by URL through its index, or by the known model folders', async () => {
    const served = new Map<string, Uint8Array>();
    const put = async (dir: string, p: ReturnType<typeof parts>) => {
      for (const f of batchFolderFiles('', p))
        served.set(`http://h/out/a/${dir}/${f.name}`, new Uint8Array(await f.arrayBuffer()));
    };
    await put('unet', parts('unet'));
    await put('mrn', parts('mrn'));
    const asked: string[] = [];
    const fetchImpl = (async (u: URL | string) => {
      asked.push(String(u));
      const b = served.get(String(u));
      return b ? new Response(b as BlobPart) : new Response('no', { status: 404 });
    }) as typeof fetch;
    // no index: the known models' folders
    const known = await readBatchResultsUrl('http://h/out/a', {
      knownModels: ['unet', 'x', 'mrn'],
      fetchImpl,
    });
    expect(known.map((r) => r.manifest.model.id)).toEqual(['unet', 'mrn']);
    // the index names them
    served.set(
      'http://h/out/a/index.json',
      new TextEncoder().encode(JSON.stringify({ format: INDEX_FORMAT, slide: 'a', models: ['mrn'] })),
    );
    const indexed = await readBatchResultsUrl('http://h/out/a/', { fetchImpl });
    expect(indexed.map((r) => r.from)).toEqual(['http://h/out/a/mrn/']);
    // one model's folder, or its manifest
    const one = await readBatchResultsUrl('http://h/out/a/unet/manifest.json', { fetchImpl });
    expect(one.map((r) => r.manifest.model.id)).toEqual(['unet']);
    await expect(readBatchResultsUrl('http://h/out/b/', { fetchImpl })).rejects.toThrow(
      /No batch results at http:\/\/h\/out\/b\//,
    );
  });
});
