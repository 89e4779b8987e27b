// Cross-origin isolation and threaded wasm in the production build: `vite build` + `vite preview`
// (both send COOP same-origin + COEP credentialless), Chromium. tfjs-backend-wasm starts its pthread
// workers from the text of its threaded factory, which the bundler must leave runnable
// (scripts/vite/wasm-thread-factory.ts); a page error here fails the test. The page is told of more
// cores than this machine has (an init script), so the pool really has ≥ 2 threads, and its outputs
// must equal a 1-thread run. Remote slides and model URLs over CORS still load under COEP.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { APP_PORT } from '../playwright.config';
import { DICOM_FIXTURES, dicomFixture, haveDicomizer } from '../scripts/fixtures/dicom-fixtures';
import { jp2kLevels } from '../scripts/fixtures/jp2k-fixtures';
import { NDPI_LEVELS } from '../scripts/fixtures/ndpi-fixtures';
import { type SlideServer, startSlideServer } from '../scripts/serve-slides';
import {
  call,
  decodeRegion,
  expect,
  HAVE_SHARED,
  madAgainstSvs,
  pickFiles,
  ROOT,
  test,
  waitSettled,
  worstDiff,
} from './fixtures';

/** preview server, cross-origin file server, header-less static host: the e2e port + 100, 101, 102 */
const PREVIEW_PORT = Number(process.env.MRN_E2E_PREVIEW_PORT ?? APP_PORT + 100);
const REMOTE_PORT = PREVIEW_PORT + 1;
const PLAIN_PORT = PREVIEW_PORT + 2;
const BASE = `http://127.0.0.1:${PREVIEW_PORT}`;
const MODEL = 'unet';
/** over the edge of tumour 1 of the demo slide */
const REGION = { x: 4180, y: 3560, width: 420, height: 300 };

let dist = '';
let preview: ChildProcess | null = null;
let remote: SlideServer | null = null;
let plain: http.Server | null = null;

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

/** A static host that cannot set headers: files of `root`, no COOP/COEP, no Range (whole files). */
function startPlainHost(root: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, rel === '/' ? 'index.html' : rel);
    try {
      if (!file.startsWith(root) || !statSync(file).isFile()) throw new Error('no file');
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

test.describe.configure({ mode: 'serial' });
test.use({ baseURL: BASE });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  dist = mkdtempSync(path.join(os.tmpdir(), 'mrn-dist-'));
  execFileSync('npx', ['vite', 'build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 180_000,
  });
  preview = spawn(
    'npx',
    [
      'vite',
      'preview',
      '--outDir',
      dist,
      '--port',
      String(PREVIEW_PORT),
      '--strictPort',
      '--host',
      '127.0.0.1',
    ],
    { cwd: ROOT, stdio: 'ignore', detached: true },
  );
  const until = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(BASE).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) throw new Error(`vite preview did not answer on ${BASE}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  remote = await startSlideServer(ROOT, REMOTE_PORT);
  plain = await startPlainHost(dist, PLAIN_PORT);
});

test.afterAll(async () => {
  if (preview?.pid) process.kill(-preview.pid);
  await remote?.close();
  await new Promise((r) => (plain ? plain.close(r) : r(null)));
  if (dist) rmSync(dist, { recursive: true, force: true });
});

/** Opens the built app on the demo slide, with `cores` reported to the page. */
async function openBuilt(page: Page, cores: number): Promise<void> {
  await page.addInitScript((n) => {
    Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n, configurable: true });
  }, cores);
  await page.goto('/');
  await page.waitForFunction(() => !!window.mrnViewer);
  await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
  expect((await waitSettled(page, 60_000)).status).toBe('ready');
}

interface Info {
  backend: string;
  decision: { chosen: string; threads: number | null; isolated: boolean };
}

/** Runs MODEL on REGION on wasm and samples the heatmap on a grid. */
async function runWasm(page: Page): Promise<{ info: Info; samples: (number | null)[] }> {
  const r = await call<{ patches: number; backend: string; tileSize: number }>(page, 'analyze', {
    model: MODEL,
    region: REGION,
    backend: 'wasm',
  });
  // 210 × 150 µm on the default 256 px tiles (240 µm kept): one tile, or a few where the grid splits it
  expect(r.patches).toBeGreaterThan(0);
  expect(r.tileSize).toBe(256);
  expect(r.backend).toBe('wasm');
  const info = await call<Info>(page, 'backendInfo', MODEL);
  const samples = await page.evaluate((reg) => {
    const sample = window.mrnViewer!.sampleHeatmap as (m: string, x: number, y: number) => number | null;
    const out: (number | null)[] = [];
    for (let y = reg.y + 8; y < reg.y + reg.height; y += 23)
      for (let x = reg.x + 8; x < reg.x + reg.width; x += 19) out.push(sample('unet', x, y));
    return out;
  }, REGION);
  return { info, samples };
}

test('the built app is cross-origin isolated; threaded wasm runs ≥ 2 threads and equals 1 thread', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const headers = (await fetch(BASE)).headers;
  expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(headers.get('cross-origin-embedder-policy')).toBe('credentialless');

  const runs: { info: Info; samples: (number | null)[] }[] = [];
  for (const cores of [4, 1]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openBuilt(page, cores);
    expect(await page.evaluate(() => [crossOriginIsolated, typeof SharedArrayBuffer])).toEqual([
      true,
      'function',
    ]);
    runs.push(await runWasm(page));
    // the UI's backend line names the thread count
    await call(page, 'heatmap', { model: MODEL, backend: 'wasm' });
    await page.locator('#viewer').click();
    await page.keyboard.press('m');
    await expect(page.getByTestId('backend-status')).toContainText(
      `${runs.at(-1)!.info.decision.threads} thread`,
      { timeout: 30_000 },
    );
    expect(errors).toEqual([]);
    await context.close();
  }
  const [many, one] = runs;
  console.log('threads', many.info.decision.threads, 'vs', one.info.decision.threads);
  expect(many.info.decision.isolated).toBe(true);
  expect(many.info.decision.threads).toBeGreaterThanOrEqual(2);
  expect(one.info.decision.threads).toBe(1);
  expect(many.samples.length).toBeGreaterThan(100);
  expect(many.samples.every((v) => v !== null)).toBe(true);
  let worst = 0;
  for (let i = 0; i < many.samples.length; i++)
    worst = Math.max(worst, Math.abs(many.samples[i]! - one.samples[i]!));
  console.log('largest |p(threads) − p(1 thread)|', worst);
  expect(worst).toBeLessThanOrEqual(1e-6);
});

test('under COEP a remote slide and a model URL over CORS load; a server without CORS is explained', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await page.waitForFunction(() => !!window.mrnViewer);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const origin = `http://127.0.0.1:${REMOTE_PORT}`;
  // a slide from another origin, read with Range over CORS
  await page.evaluate((u) => window.mrnViewer!.open(u).catch(() => {}), `${origin}/public/demo/demo.tiff`);
  const s = await waitSettled(page, 60_000);
  expect(s.status, s.error ?? '').toBe('ready');
  expect(await page.evaluate(() => window.mrnViewer!.state().width)).toBeGreaterThan(1000);
  // a model from another origin
  const id = await call<string>(page, 'addModel', `${origin}/models/test-tiny-unet/`);
  const r = await call<{ patches: number }>(page, 'analyze', { model: id, region: REGION, backend: 'wasm' });
  expect(r.patches).toBeGreaterThan(0);
  // a server that sends no CORS headers: refused by the browser, and the message says what to send
  await page.evaluate(
    (u) => window.mrnViewer!.open(u).catch(() => {}),
    `${origin}/no-cors/public/demo/demo.tiff`,
  );
  const bad = await waitSettled(page, 60_000);
  expect(bad.status).toBe('error');
  expect(bad.error).toMatch(/Access-Control-Allow-Origin/);
});

test('on a host without the headers, the service worker makes the page isolated (one reload)', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const url = `http://127.0.0.1:${PLAIN_PORT}/`;
  expect((await fetch(url)).headers.get('cross-origin-embedder-policy')).toBeNull();
  await page.goto(url);
  // coi-register.js installs coi-sw.js and reloads once; the reloaded page is isolated
  await page.waitForFunction(() => crossOriginIsolated && !!window.mrnViewer, undefined, { timeout: 60_000 });
  expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
  expect((await waitSettled(page, 60_000)).status).toBe('ready');
  const done = await call<{ patches: number }>(page, 'analyze', {
    model: 'test-tiny-unet',
    region: REGION,
    backend: 'wasm',
  });
  expect(done.patches).toBeGreaterThan(0);
  const info = await call<{ decision: { threads: number; isolated: boolean } }>(
    page,
    'backendInfo',
    'test-tiny-unet',
  );
  expect(info.decision.isolated).toBe(true);
});

test('the built slide worker is one file; its lazy JPEG 2000, NDPI and DICOM chunks load beside it', async ({
  page,
}) => {
  test.setTimeout(240_000);
  // index.html's early worker (scripts/vite/early-slide-worker.ts) fetches nothing more before its
  // first read: no static import in its file (vite.config.ts's worker-entry group)
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const workerFile = /new Worker\("\/(assets\/slide-worker-[\w-]+\.js)"/.exec(html)?.[1];
  expect(workerFile).toBeTruthy();
  const workerSource = readFileSync(path.join(dist, workerFile!), 'utf8');
  expect(workerSource).not.toMatch(/(^|[;\s}])import\s*(\{[^}]*\}\s*from\s*)?["'`]/);
  expect(workerSource).not.toMatch(/from\s*["'`]\.\//);

  await page.goto('/');
  await page.waitForFunction(() => !!window.mrnViewer);
  // JPEG 2000 through the codec's lazy chunk: lossless, so exactly the encoded pixels
  const jp2k = path.join(ROOT, '.cache/fixtures/good/aperio-jp2k-rgb.svs');
  expect(await pickFiles(page, [jp2k], 'aperio-svs')).toMatchObject({ status: 'ready', error: null });
  const [level0] = jp2kLevels();
  const j = decodeRegion(
    (await page.evaluate(() =>
      window.mrnViewer!.readRegion({ x: 0, y: 0, width: 300, height: 200, downsample: 1 }),
    )) as { width: number; height: number; data: string },
  );
  expect(worstDiff(j, 300, 200, level0, 0, 0)).toBe(0);

  // NDPI through open-ndpi's lazy chunk, which imports from the worker's own file
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mrn-built-ndpi-'));
  try {
    const { makeNdpi } = await import('../scripts/fixtures/ndpi-fixtures');
    writeFileSync(path.join(dir, 'fixture.ndpi'), await makeNdpi());
    expect(await pickFiles(page, [path.join(dir, 'fixture.ndpi')], 'hamamatsu-ndpi')).toMatchObject({
      status: 'ready',
      error: null,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ndpi = await page.evaluate(() => window.mrnViewer!.state());
  expect(ndpi.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual(
    NDPI_LEVELS.map((l) => l.width),
  );
  await page.evaluate(() => window.mrnViewer!.ready());
  const stats = await page.evaluate(() => window.mrnViewer!.stats());
  expect(stats.tiles.loaded).toBeGreaterThan(0);
  expect(stats.tiles.failed).toBe(0);

  // DICOM through open-dicom's lazy chunk: the writer copied the SVS's JPEG tiles
  if (HAVE_SHARED && haveDicomizer()) {
    expect(await pickFiles(page, dicomFixture(DICOM_FIXTURES[0]), 'dicom')).toMatchObject({
      status: 'ready',
    });
    expect(
      await madAgainstSvs(page, { x: 600, y: 900, width: 200, height: 150, downsample: 1 }),
    ).toBeLessThan(1);
  }
});
