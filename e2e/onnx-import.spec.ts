// ONNX in the page, end to end: a PyTorch U-Net exported to ONNX (training/make_onnx_tests.py) is
// dropped on the page, its card filled in the form, converted in a worker with a progress line,
// checked by a warm-up run and added to the picker; its viewport heatmap equals the one of the same
// file converted by `npm run convert` (added by addModel) and by addModel with the .onnx URL. A
// reload lists it without converting again, and its download is the TF.js model folder. Given as a
// URL in the panel, with batch size 4 and float16 weights asked in the form: half the shard, a
// heatmap within 5e-3 of the fp32 folder's. Bad files
// (truncated, not ONNX, an unsupported op, a card contradicting the graph, weights over the cap)
// each get a clear error and leave nothing behind.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { tinyOnnx } from '../src/inference/onnx-import/tiny-onnx.fixture';
import { call, expect, gotoApp, ROOT, test, waitSettled } from './fixtures';

const CACHE = path.join(ROOT, '.cache/onnx-e2e');
const SERVED = path.join(ROOT, 'public/demo/onnx'); // public/demo is served at /demo and ignored by git
const VIEW = { x: 4400, y: 3700, zoom: 1 };
/** inside the 640 × 420 page's view at zoom 1 (small, so three viewport runs stay short) */
const VIEW_RECT = { x: 4400 - 300, y: 3700 - 150, width: 600, height: 300 };

const card = (id: string) => ({
  schemaVersion: 2,
  id,
  name: `U-Net via ONNX (${id})`,
  testModel: true,
  inputs: [{ role: 'target', mpp: 1, normalization: { kind: 'range', min: -1, max: 1 } }],
  output: {
    channels: [{ name: 'tumour' }],
    tumourChannel: 'tumour',
    activation: 'sigmoid',
    applyActivation: false,
  },
  training: { data: 'none (random weights)' },
  intendedUse: 'ONNX import test; not for diagnosis.',
});

/** The U-Net export and its CLI conversion, made once; false when PyTorch is not installed. */
const haveTorch = (() => {
  try {
    execFileSync('python3', ['-m', 'training.make_onnx_tests', '--out', CACHE, '--only', 'unet'], {
      cwd: ROOT,
      stdio: 'ignore',
      timeout: 300_000,
    });
    mkdirSync(SERVED, { recursive: true });
    copyFileSync(path.join(CACHE, 'unet.dynamo.onnx'), path.join(SERVED, 'unet.onnx'));
    writeFileSync(path.join(CACHE, 'cli-card.json'), JSON.stringify(card('onnx-unet-cli')));
    const out = path.join(SERVED, 'onnx-unet-cli');
    rmSync(out, { recursive: true, force: true });
    execFileSync(
      'npx',
      [
        'tsx',
        'scripts/convert-onnx.ts',
        path.join(SERVED, 'unet.onnx'),
        '--card',
        path.join(CACHE, 'cli-card.json'),
        '--out',
        out,
      ],
      { cwd: ROOT, stdio: 'ignore', timeout: 120_000 },
    );
    return existsSync(path.join(out, 'model.json'));
  } catch {
    return false;
  }
})();

interface ImportState {
  phase: string;
  error: string | null;
  added: string | null;
  converted: { id: string }[];
}

/** Drops files on the page as the browser does (a DataTransfer on a drop event). */
async function drop(page: Page, files: { name: string; bytes?: Uint8Array; url?: string }[]) {
  const payload = files.map((f) => ({
    name: f.name,
    url: f.url,
    b64: f.bytes ? Buffer.from(f.bytes).toString('base64') : null,
  }));
  await page.evaluate(async (list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bytes = f.url
        ? new Uint8Array(await (await fetch(f.url)).arrayBuffer())
        : Uint8Array.from(atob(f.b64!), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name));
    }
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true, bubbles: true }));
  }, payload);
}

const importState = (page: Page) => call<ImportState>(page, 'onnxImport');

/** Converted records in this origin's IndexedDB. */
const storedIds = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const req = indexedDB.open('mrn-viewer-converted-models');
        req.onerror = () => reject(req.error);
        req.onupgradeneeded = () => req.result.createObjectStore('models', { keyPath: 'id' });
        req.onsuccess = () => {
          const tx = req.result.transaction('models', 'readonly');
          const all = tx.objectStore('models').getAllKeys();
          all.onsuccess = () => resolve(all.result as string[]);
          all.onerror = () => reject(all.error);
        };
      }),
  );

async function openDemo(page: Page) {
  await gotoApp(page);
  await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
  expect((await waitSettled(page)).status).toBe('ready');
  await page.evaluate((v) => window.mrnViewer!.setViewport(v), VIEW);
}

/** Analyses the viewport on wasm and samples the heatmap on a grid. */
async function heatmap(page: Page, model: string): Promise<(number | null)[]> {
  const r = await call<{ patches: number; backend: string }>(page, 'analyze', {
    model,
    region: 'viewport',
    backend: 'wasm',
  });
  expect(r.patches).toBeGreaterThan(10);
  return page.evaluate(
    ([m, reg]) => {
      const sample = window.mrnViewer!.sampleHeatmap as (m: string, x: number, y: number) => number | null;
      const out: (number | null)[] = [];
      for (let y = reg.y + 5; y < reg.y + reg.height; y += 9)
        for (let x = reg.x + 5; x < reg.x + reg.width; x += 7) out.push(sample(m, x, y));
      return out;
    },
    [model, VIEW_RECT] as const,
  );
}

function maxDiff(a: (number | null)[], b: (number | null)[]): { max: number; compared: number } {
  let max = 0;
  let compared = 0;
  a.forEach((v, i) => {
    expect(v === null).toBe(b[i] === null);
    if (v !== null && b[i] !== null) {
      max = Math.max(max, Math.abs(v - b[i]!));
      compared++;
    }
  });
  return { max, compared };
}

/** Answers the card form's questions for the U-Net export (as card() does for the CLI). */
async function fillUnetCard(page: Page, id: string, name: string) {
  await page.getByLabel('Model id').fill(id);
  await page.getByLabel('Model name').fill(name);
  await page.getByLabel('µm per pixel of target').fill('1');
  await page.getByLabel('Normalisation of target').selectOption('range');
  await page.getByLabel('Range min of target').fill('-1');
  await page.getByLabel('Range max of target').fill('1');
  await page.getByLabel('Training data').fill('none (random weights)');
}

interface StoredRecord {
  weights: number;
  card: { batchSize: number; quantization: string; inputs: unknown; output: unknown };
  /** float32 weights stored as float16 */
  quantized: number;
  /** float32 weights (int32 shape constants stay as they are) */
  floats: number;
}

/** One converted record in this origin's IndexedDB: shard size, card, float16-quantised entries. */
const storedRecord = (page: Page, id: string) =>
  page.evaluate(
    (key) =>
      new Promise<StoredRecord>((resolve, reject) => {
        const req = indexedDB.open('mrn-viewer-converted-models');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const get = req.result.transaction('models', 'readonly').objectStore('models').get(key);
          get.onerror = () => reject(get.error);
          get.onsuccess = () => {
            const r = get.result;
            const entries = r.modelJson.weightsManifest[0].weights as {
              dtype: string;
              quantization?: { dtype: string };
            }[];
            resolve({
              weights: r.weights.byteLength,
              card: r.card,
              quantized: entries.filter((e) => e.quantization?.dtype === 'float16').length,
              floats: entries.filter((e) => e.dtype === 'float32').length,
            });
          };
        };
      }),
    id,
  );

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 640, height: 420 } });

test('a dropped .onnx: card form, worker conversion with progress, heatmap equal to the CLI folder; kept over a reload; downloadable', async ({
  page,
}) => {
  test.skip(!haveTorch, 'PyTorch / onnxruntime not installed: no ONNX export to test with');
  // three conversions and four viewport runs: about a minute on a quiet machine, minutes under load
  test.setTimeout(600_000);
  // record the workers the page starts and the progress line's texts
  await page.addInitScript(() => {
    const w = window as unknown as { __workers: string[]; __progress: string[] };
    w.__workers = [];
    w.__progress = [];
    const Native = window.Worker;
    window.Worker = class extends Native {
      constructor(url: string | URL, opts?: WorkerOptions) {
        super(url, opts);
        w.__workers.push(String(url));
      }
    } as typeof Worker;
    new MutationObserver(() => {
      const t = document.querySelector('[data-testid="onnx-progress"]')?.textContent;
      if (t && w.__progress.at(-1) !== t) w.__progress.push(t);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await openDemo(page);
  await drop(page, [{ name: 'unet.onnx', url: '/demo/onnx/unet.onnx' }]);
  const dialog = page.getByTestId('onnx-import');
  await expect(dialog).toHaveAttribute('data-phase', 'form', { timeout: 60_000 });
  // pre-filled from the graph: input name and shape, one output channel; asked: mpp, normalisation
  await expect(dialog).toContainText('Input target [2×64×64×3]');
  await expect(dialog).toContainText('Output output [2×64×64×1]');
  await expect(page.getByLabel('Name of channel 0')).toHaveValue('tumour');
  await expect(page.getByLabel('Activation')).toHaveValue('sigmoid'); // the graph ends in a Sigmoid
  await expect(page.getByLabel('The graph outputs logits')).not.toBeChecked();
  await expect(page.getByRole('button', { name: 'Check and add model' })).toBeDisabled();
  await expect(page.getByLabel('Model name')).toHaveValue('unet'); // from the file name
  // the conversion's settings: the file's batch, fp32
  await expect(page.getByLabel('Batch size')).toHaveValue('2');
  await expect(page.getByLabel('float16 weights')).not.toBeChecked();
  await fillUnetCard(page, 'onnx-unet', 'Dropped U-Net');
  await page.getByRole('button', { name: 'Check and add model' }).click();
  await expect.poll(async () => (await importState(page)).added, { timeout: 60_000 }).toBe('onnx-unet');
  expect((await importState(page)).phase).toBe('idle');
  const seen = await page.evaluate(() => {
    const w = window as unknown as { __progress: string[]; __workers: string[] };
    return { __workers: w.__workers, __progress: w.__progress };
  });
  expect(seen.__workers.some((u) => /convert-worker/.test(u))).toBe(true); // converted in a worker
  expect(seen.__progress.some((t) => /^converting \d+\/\d+ nodes \(\d+%\)/.test(t))).toBe(true);
  expect(seen.__progress.some((t) => /^checking/.test(t))).toBe(true);
  expect(await storedIds(page)).toEqual(['onnx-unet']);

  // the same file by the CLI (a model folder) and by addModel with the .onnx URL
  expect(await call(page, 'addModel', '/demo/onnx/onnx-unet-cli/')).toBe('onnx-unet-cli');
  expect(await call(page, 'addModel', '/demo/onnx/unet.onnx', JSON.stringify(card('onnx-unet-url')))).toBe(
    'onnx-unet-url',
  );
  const models = (await call<{ id: string }[]>(page, 'models')).map((m) => m.id);
  expect(models).toEqual(expect.arrayContaining(['onnx-unet', 'onnx-unet-cli', 'onnx-unet-url']));
  const dropped = await heatmap(page, 'onnx-unet');
  const cli = await heatmap(page, 'onnx-unet-cli');
  const d1 = maxDiff(dropped, cli);
  console.log(`dropped vs CLI: max |Δ| ${d1.max} over ${d1.compared} samples`);
  expect(d1.compared).toBeGreaterThan(1000);
  expect(d1.max).toBeLessThanOrEqual(1e-6);
  // the URL import (same path after the fetch) holds the CLI's weights and graph, byte for byte
  const urlZip = unzipSync(Buffer.from(await call<string>(page, 'downloadModel', 'onnx-unet-url'), 'base64'));
  const cliFiles = path.join(SERVED, 'onnx-unet-cli');
  expect(
    Buffer.from(urlZip['onnx-unet-url/group1-shard1of1.bin']).equals(
      readFileSync(path.join(cliFiles, 'group1-shard1of1.bin')),
    ),
  ).toBe(true);
  expect(JSON.parse(Buffer.from(urlZip['onnx-unet-url/model.json']).toString())).toEqual(
    JSON.parse(readFileSync(path.join(cliFiles, 'model.json'), 'utf8')),
  );
  const spread = dropped.filter((v): v is number => v !== null);
  expect(Math.max(...spread) - Math.min(...spread)).toBeGreaterThan(1e-3); // not a constant map

  // the download is the TF.js model folder, equal to the CLI's (same converter, same file)
  await page.keyboard.press('m');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download onnx-unet', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('onnx-unet.zip');
  const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
  expect(Object.keys(files).sort()).toEqual([
    'onnx-unet/card.json',
    'onnx-unet/group1-shard1of1.bin',
    'onnx-unet/model.json',
  ]);
  const cliDir = path.join(SERVED, 'onnx-unet-cli');
  expect(
    Buffer.from(files['onnx-unet/group1-shard1of1.bin']).equals(
      readFileSync(path.join(cliDir, 'group1-shard1of1.bin')),
    ),
  ).toBe(true);
  expect(JSON.parse(Buffer.from(files['onnx-unet/model.json']).toString())).toEqual(
    JSON.parse(readFileSync(path.join(cliDir, 'model.json'), 'utf8')),
  );
  const cardOut = JSON.parse(Buffer.from(files['onnx-unet/card.json']).toString());
  const cliCard = JSON.parse(readFileSync(path.join(cliDir, 'card.json'), 'utf8'));
  expect(cardOut).toMatchObject({
    id: 'onnx-unet',
    inputs: cliCard.inputs,
    output: cliCard.output,
    batchSize: 2,
  });

  // a reload: in the picker at once, from IndexedDB, with no conversion
  await page.reload();
  await page.waitForFunction(() => !!window.mrnViewer);
  await expect
    .poll(async () => (await call<{ id: string }[]>(page, 'models')).map((m) => m.id))
    .toContain('onnx-unet');
  await expect
    .poll(async () => (await importState(page)).converted.map((c) => c.id).sort())
    .toEqual(['onnx-unet', 'onnx-unet-url']);
  await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
  expect((await waitSettled(page)).status).toBe('ready');
  await page.evaluate((v) => window.mrnViewer!.setViewport(v), VIEW);
  await call(page, 'clearHeatmap', 'onnx-unet');
  const after = await heatmap(page, 'onnx-unet');
  expect(maxDiff(after, cli).max).toBeLessThanOrEqual(1e-6);
  // in the panel's model picker, by its card's name
  await page.keyboard.press('m');
  await expect(page.getByTestId('analysis-panel').locator('option[value="onnx-unet"]').first()).toHaveText(
    'Dropped U-Net',
  );
  const workers = await page.evaluate(() => (window as unknown as { __workers: string[] }).__workers);
  expect(workers.some((u) => /convert-worker/.test(u))).toBe(false);
  expect(await call(page, 'removeModel', 'onnx-unet')).toBeUndefined();
  expect(await storedIds(page)).toEqual(['onnx-unet-url']);
});

/** the float16 heatmap's bound against the fp32 one (measured: see the test's log line) */
const FP16_TOLERANCE = 5e-3;

test("an .onnx URL in the panel; the form's batch size and float16: half the weights, batch kept, heatmap within 5e-3 of fp32", async ({
  page,
}) => {
  test.skip(!haveTorch, 'PyTorch / onnxruntime not installed: no ONNX export to test with');
  test.setTimeout(300_000);
  await openDemo(page);
  // given as a URL in the analysis panel's model URL box: fetched, converted, then the same form
  await page.keyboard.press('m');
  await page.getByLabel('Model URL').fill('/demo/onnx/unet.onnx');
  await page.getByLabel('Model URL').press('Enter');
  const dialog = page.getByTestId('onnx-import');
  await expect(dialog).toHaveAttribute('data-phase', 'form', { timeout: 120_000 });
  await fillUnetCard(page, 'onnx-unet-fp16', 'U-Net fp16');
  await page.getByLabel('Batch size').fill('4');
  await page.getByLabel('float16 weights').check();
  await page.getByRole('button', { name: 'Check and add model' }).click();
  await expect.poll(async () => (await importState(page)).added, { timeout: 120_000 }).toBe('onnx-unet-fp16');
  const rec = await storedRecord(page, 'onnx-unet-fp16');
  const fp32Shard = readFileSync(path.join(SERVED, 'onnx-unet-cli/group1-shard1of1.bin')).byteLength;
  console.log(`fp16 shard ${rec.weights} B vs fp32 ${fp32Shard} B (${(rec.weights / fp32Shard).toFixed(3)})`);
  expect(rec.weights / fp32Shard).toBeGreaterThan(0.45);
  expect(rec.weights / fp32Shard).toBeLessThanOrEqual(0.5 + 1e-3);
  expect(rec.quantized).toBe(rec.floats);
  expect(rec.floats).toBeGreaterThan(10);
  expect(rec.card).toMatchObject({ batchSize: 4, quantization: 'float16' });
  // the graph runs 4 patches a call now
  expect((await importState(page)).phase).toBe('idle');
  const r = await call<{ count: number }>(page, 'predict', 'onnx-unet-fp16', {
    target: Buffer.from(new Float32Array(4 * 64 * 64 * 3).fill(0.25).buffer).toString('base64'),
  });
  expect(r.count).toBe(4);
  // the download keeps them
  const zip = unzipSync(Buffer.from(await call<string>(page, 'downloadModel', 'onnx-unet-fp16'), 'base64'));
  expect(zip['onnx-unet-fp16/group1-shard1of1.bin'].byteLength).toBe(rec.weights);
  expect(JSON.parse(Buffer.from(zip['onnx-unet-fp16/card.json']).toString())).toMatchObject({
    batchSize: 4,
    quantization: 'float16',
  });
  // its heatmap against the fp32 CLI folder's
  expect(await call(page, 'addModel', '/demo/onnx/onnx-unet-cli/')).toBe('onnx-unet-cli');
  const half = await heatmap(page, 'onnx-unet-fp16');
  const full = await heatmap(page, 'onnx-unet-cli');
  const d = maxDiff(half, full);
  console.log(`float16 vs fp32 heatmap: max |Δ| ${d.max.toExponential(2)} over ${d.compared} samples`);
  expect(d.compared).toBeGreaterThan(1000);
  expect(d.max).toBeGreaterThan(0); // the weights did change
  expect(d.max).toBeLessThanOrEqual(FP16_TOLERANCE);
  expect(await call(page, 'removeModel', 'onnx-unet-fp16')).toBeUndefined();
});

const CARD16 = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'tiny-bad',
    name: 'Tiny',
    inputs: [{ role: 'target', mpp: 1, normalization: { kind: 'range', min: 0, max: 1 } }],
    output: { channels: [{ name: 'background' }, { name: 'tumour' }] },
    training: { data: 'none' },
    intendedUse: 'test',
    ...over,
  });
const enc = (s: string) => new TextEncoder().encode(s);

test('bad ONNX input: each a clear error in the page, nothing in the picker or IndexedDB', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await gotoApp(page);
  await expect.poll(async () => (await call<unknown[]>(page, 'models')).length).toBeGreaterThan(0);
  const cases: {
    what: string;
    files: { name: string; bytes: Uint8Array }[];
    error: RegExp;
    submit?: boolean;
  }[] = [
    {
      what: 'truncated',
      files: [{ name: 'cut.onnx', bytes: tinyOnnx({ channels: 2 }).slice(0, 70) }],
      error: /not an ONNX model/,
    },
    {
      what: 'not ONNX',
      files: [{ name: 'photo.onnx', bytes: enc('\x89PNG\r\n\x1a\n not a model at all') }],
      error: /not an ONNX model/,
    },
    {
      what: 'unsupported op',
      files: [{ name: 'odd.onnx', bytes: tinyOnnx({ channels: 2, unsupported: 'Einsum' }) }],
      error: /unsupported ONNX op\(s\): Einsum \(weird_node\)/,
    },
    {
      what: 'input shape contradicts the card',
      files: [
        { name: 'tiny.onnx', bytes: tinyOnnx({ channels: 2 }) },
        {
          name: 'card.json',
          bytes: enc(
            CARD16({
              inputs: [
                { role: 'target', size: 64, mpp: 1, normalization: { kind: 'range', min: 0, max: 1 } },
              ],
            }),
          ),
        },
      ],
      error: /input "target" is 16 px in the ONNX graph, the card says 64/,
      submit: true,
    },
    {
      what: 'a card channel the output does not have',
      files: [
        { name: 'tiny.onnx', bytes: tinyOnnx({ channels: 1 }) },
        { name: 'card.json', bytes: enc(CARD16()) },
      ],
      error: /the card declares 2 output channel\(s\), the ONNX output "output" has 1/,
      submit: true,
    },
    {
      what: 'weights over the cap',
      files: [{ name: 'fat.onnx', bytes: tinyOnnx({ channels: 2, padFloats: 60_000 }) }],
      error: /weights are 234\.[0-9] KiB, over the 97\.7 KiB cap/,
    },
  ];
  for (const c of cases) {
    await call(page, 'setImportLimits', {
      maxWeightBytes: c.what === 'weights over the cap' ? 100_000 : 256 * 2 ** 20,
    });
    await drop(page, c.files);
    const dialog = page.getByTestId('onnx-import');
    if (c.submit) {
      await expect(dialog).toHaveAttribute('data-phase', 'form', { timeout: 30_000 });
      await page.getByRole('button', { name: 'Check and add model' }).click();
    }
    await expect(page.getByTestId('onnx-error'), c.what).toContainText(c.error, { timeout: 30_000 });
    expect((await importState(page)).error, c.what).toMatch(c.error);
    expect(
      (await call<{ id: string }[]>(page, 'models')).map((m) => m.id),
      c.what,
    ).not.toContain('tiny-bad');
    expect(await storedIds(page), c.what).toEqual([]);
    await page.getByRole('button', { name: 'Close import' }).click();
    await expect(dialog).toHaveCount(0);
  }
});

test('open(an .onnx File) goes to the import, not the slide opener; Cancel import stops the conversion worker, keeps nothing', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.addInitScript(() => {
    const w = window as unknown as { __terminated: string[] };
    w.__terminated = [];
    const Native = window.Worker;
    window.Worker = class extends Native {
      readonly url: string;
      constructor(url: string | URL, opts?: WorkerOptions) {
        super(url, opts);
        this.url = String(url);
      }
      override terminate() {
        w.__terminated.push(this.url);
        super.terminate();
      }
    } as typeof Worker;
  });
  await gotoApp(page);
  const before = await page.evaluate(() => window.mrnViewer!.state());
  // a long Relu chain at 256²: seconds of conversion, cancelled at its first progress
  const bytes = Buffer.from(tinyOnnx({ size: 256, reluChain: 3000 })).toString('base64');
  await page.evaluate((b64) => {
    const file = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'slow.onnx');
    void window.mrnViewer!.open(file);
  }, bytes);
  const dialog = page.getByTestId('onnx-import');
  await expect(dialog).toHaveAttribute('data-phase', 'converting', { timeout: 30_000 });
  await expect(page.getByTestId('onnx-progress')).toContainText(/converting \d+\/3002 nodes/, {
    timeout: 30_000,
  });
  await page.getByRole('button', { name: 'Cancel import' }).click();
  await expect.poll(async () => (await importState(page)).phase).toBe('idle');
  const s = await importState(page);
  expect(s.error).toBeNull();
  expect(s.added).toBeNull();
  const terminated = await page.evaluate(
    () => (window as unknown as { __terminated: string[] }).__terminated,
  );
  expect(terminated.some((u) => /convert-worker/.test(u))).toBe(true);
  expect(await storedIds(page)).toEqual([]);
  expect((await call<{ id: string }[]>(page, 'models')).map((m) => m.id)).not.toContain('slow');
  // the slide opener never saw it
  const after = await page.evaluate(() => window.mrnViewer!.state());
  expect({ status: after.status, error: after.error, name: after.name }).toEqual({
    status: before.status,
    error: before.error,
    name: before.name,
  });
});
