// npm run bench -- deeplink: what a user feels when they open a link. On the production build
// (vite build + vite preview, with the COOP/COEP headers the app sends), in Chromium at 1440×900:
//  - deepLink: `?slide=<url>` of the shared SVS (and the demo), the first complete viewport
//    counted from navigation (performance.now() when the view was drawn), a cold browser cache per
//    run, median of 5; the page's own milestones beside it;
//  - latency: the same deep link through a slide server that holds every answer back 50 ms,
//    tile reads coalesced into range requests (the default) and one request per tile
//    (`&coalesce=0`), median of 3 each, and their ratio;
//  - prefetch: the SVS deep link with its home view's tiles read before the viewer asks (the
//    default) and without (`&prefetch=0`), runs interleaved, and their ratio;
//  - bundle: the kB of the entry chunk and of the chunks the first view loads;
//  - headline (first in the JSON, and a FIRST VIEWPORT line on stderr): the SVS deep link's median
//    first complete viewport from navigation, with the goal (500 ms, 300 ms stretch) and the load.
// `--runs=N` sets the deep-link runs; `--dist=DIR` measures a build made elsewhere;
// `--compare=DIR` adds `compare`: the SVS deep link on this build and on that one (e.g. main's
// before a change), served locally and through the 50 ms-latency server, runs interleaved so the
// machine's load hits both alike.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from '@playwright/test';
import config from '../playwright.config';
import { startSlideServer } from '../scripts/serve-slides';
import type { SlideStats } from '../src/slide/slide-reader';
import { BENCH_DIST, buildApp, previewApp } from './built-app';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED_SLIDES = path.resolve(ROOT, '../shared/slides');
const SVS = 'cmu-1-small-region.svs';
const LATENCY_MS = 50;
/** how long a run leaves the page alone before asking it anything */
const HANDS_OFF_MS = 2000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (...a: unknown[]) => console.error('[deeplink]', ...a);

export interface DeepLinkRun {
  /** ms from navigation to the first complete viewport */
  firstViewportMs: number;
  /** ms from opening the slide to the first complete viewport (the app's own count) */
  fromOpenMs: number | null;
  domContentLoadedMs: number;
  rangeRequests: number | null;
  /** ms from navigation to the slide worker's milestones (stats().cache.reader.timeline) */
  phases: DeepLinkPhases;
}

export interface DeepLinkPhases {
  /** the worker's start (after the browser fetched its script) */
  workerStartMs: number | null;
  /** its script's run (after its compile) */
  workerScriptMs: number | null;
  /** the slide open (its directories read) */
  slideOpenMs: number | null;
  /** the home view's tiles all decoded by the read-ahead */
  homeTilesMs: number | null;
}

/** One cold deep link: a fresh browser context, so nothing is cached. */
export async function deepLink(browser: Browser, url: string): Promise<DeepLinkRun> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => log('page error:', e.message));
    await page.goto(url, { waitUntil: 'commit' });
    // hands off while the page loads: Playwright's first evaluation in a page injects its own
    // script (~30 ms on the page's main thread, measured in a trace), which waitForFunction did at
    // commit, in the middle of the deep link it measures; the app's own clock is read afterwards
    await new Promise((r) => setTimeout(r, HANDS_OFF_MS));
    await page.waitForFunction(() => !!window.mrnViewer, undefined, { timeout: 60_000 });
    return await page.evaluate(async () => {
      const v = window.mrnViewer!;
      await v.ready();
      const drawnAt = performance.now();
      const st = (await v.stats()) as Awaited<ReturnType<typeof v.stats>> & {
        firstViewportAt?: number | null;
      };
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const reader = st.cache.reader as Pick<SlideStats, 'rangeRequests' | 'timeline'> | null;
      const tl = reader?.timeline;
      // the worker's wall clock against the page's: both are epoch ms (no named helper here:
      // tsx would wrap it in a __name call the page does not have)
      const [workerStartMs, workerScriptMs, slideOpenMs, homeTilesMs] = [
        tl?.workerStartedAt,
        tl?.scriptRunAt,
        tl?.openedAt,
        tl?.readAheadDoneAt,
      ].map((t) => (t == null ? null : t - performance.timeOrigin));
      return {
        phases: { workerStartMs, workerScriptMs, slideOpenMs, homeTilesMs },
        // builds before firstViewportAt existed: when ready() resolved (a few ms late at most)
        firstViewportMs: st.firstViewportAt ?? drawnAt,
        fromOpenMs: st.firstViewportMs,
        domContentLoadedMs: nav?.domContentLoadedEventEnd ?? Number.NaN,
        rangeRequests: reader?.rangeRequests ?? null,
      };
    });
  } finally {
    await context.close();
  }
}

function summarise(runs: DeepLinkRun[]) {
  return {
    firstViewportMs: Math.round(median(runs.map((r) => r.firstViewportMs))),
    minMs: Math.round(Math.min(...runs.map((r) => r.firstViewportMs))),
    maxMs: Math.round(Math.max(...runs.map((r) => r.firstViewportMs))),
    fromOpenMs: Math.round(median(runs.map((r) => r.fromOpenMs ?? Number.NaN))),
    domContentLoadedMs: Math.round(median(runs.map((r) => r.domContentLoadedMs))),
    rangeRequests: runs[0].rangeRequests,
    phases: medianPhases(runs),
    runs: runs.map((r) => Math.round(r.firstViewportMs)),
  };
}

/** Each milestone's median over the runs that reached it (null where none did: an older build). */
function medianPhases(runs: DeepLinkRun[]): DeepLinkPhases {
  const of = (k: keyof DeepLinkPhases) => {
    const xs = runs.map((r) => r.phases?.[k]).filter((x): x is number => typeof x === 'number');
    return xs.length ? Math.round(median(xs)) : null;
  };
  return {
    workerStartMs: of('workerStartMs'),
    workerScriptMs: of('workerScriptMs'),
    slideOpenMs: of('slideOpenMs'),
    homeTilesMs: of('homeTilesMs'),
  };
}

/** kB of the entry chunk (what index.html loads) and of every JS chunk, largest first. */
export function bundleSizes(dist: string) {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const entry = /<script type="module"[^>]*src="\/?([^"]+)"/.exec(html)?.[1];
  const preloads = [...html.matchAll(/<link rel="modulepreload"[^>]*href="\/?([^"]+)"/g)].map((m) => m[1]);
  const kB = (f: string) => Math.round(statSync(path.join(dist, f)).size / 1024);
  const assets = readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js'));
  return {
    entry: entry ?? null,
    entryKB: entry ? kB(entry) : null,
    preloadedKB: preloads.reduce((s, f) => s + kB(f), 0),
    chunksKB: Object.fromEntries(
      assets
        .map((f) => [f.replace(/-[\w-]{8}\.js$/, ''), kB(`assets/${f}`)] as const)
        .filter(([, k]) => k >= 20)
        .sort((a, b) => b[1] - a[1]),
    ),
  };
}

export async function run(args: string[]) {
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 5);
  const distArg = args.find((a) => a.startsWith('--dist='))?.split('=')[1];
  const outDir = distArg ? path.resolve(distArg) : BENCH_DIST;
  if (!distArg) {
    log('building the app');
    await buildApp(outDir);
  }
  const { server: prod, url: app } = await previewApp(outDir);
  const slides: { name: string; dir: string; file: string }[] = [];
  if (existsSync(path.join(SHARED_SLIDES, SVS))) slides.push({ name: SVS, dir: SHARED_SLIDES, file: SVS });
  if (existsSync(path.join(ROOT, 'public/demo/demo.tiff')))
    slides.push({ name: 'demo', dir: path.join(ROOT, 'public/demo'), file: 'demo.tiff' });
  const browser = await chromium.launch(config.use?.launchOptions);
  const servers = [];
  try {
    // a first load warms the preview server and the OS file cache; not counted
    const warm = await browser.newPage();
    await warm.goto(app);
    await warm.waitForFunction(() => !!window.mrnViewer, undefined, { timeout: 60_000 });
    await warm.close();
    const deep = [];
    for (const s of slides) {
      const server = await startSlideServer(s.dir);
      servers.push(server);
      const link = `${app}?slide=${encodeURIComponent(`${server.url}/${s.file}`)}`;
      const rs: DeepLinkRun[] = [];
      // one deep link first, not counted: the browser's first one also warms its own processes
      // (it ran 50-100 ms slower than the rest, and slower than the later arms of the same build)
      await deepLink(browser, link);
      for (let i = 0; i < runs; i++) rs.push(await deepLink(browser, link));
      log(s.name, rs.map((r) => Math.round(r.firstViewportMs)).join(' '));
      const summary = summarise(rs);
      const ph = summary.phases;
      log(
        `${s.name} medians from navigation: worker started ${ph.workerStartMs}, its script ran ${ph.workerScriptMs},`,
        `slide open ${ph.slideOpenMs}, home tiles decoded ${ph.homeTilesMs}, first viewport ${summary.firstViewportMs} ms`,
      );
      deep.push({ slide: s.name, ...summary });
    }
    const latency = [];
    for (const s of slides.filter((x) => x.name === SVS)) {
      const slow = await startSlideServer(s.dir, 0, { latencyMs: LATENCY_MS });
      servers.push(slow);
      const link = `${app}?slide=${encodeURIComponent(`${slow.url}/${s.file}`)}`;
      const on: DeepLinkRun[] = [];
      const off: DeepLinkRun[] = [];
      // interleaved, so a change in the machine's load hits both alike
      for (let i = 0; i < 3; i++) {
        on.push(await deepLink(browser, link));
        off.push(await deepLink(browser, `${link}&coalesce=0`));
      }
      const a = summarise(on);
      const b = summarise(off);
      log(
        s.name,
        `${LATENCY_MS} ms latency: coalesced ${a.runs.join(' ')}, one request per tile ${b.runs.join(' ')}`,
      );
      latency.push({
        slide: s.name,
        latencyMs: LATENCY_MS,
        coalesced: a,
        onePerTile: b,
        speedup: +(b.firstViewportMs / a.firstViewportMs).toFixed(2),
      });
    }
    let prefetch = null;
    const svs = deep.length > 0 && slides[0].name === SVS ? servers[0] : null;
    if (svs) {
      const link = `${app}?slide=${encodeURIComponent(`${svs.url}/${SVS}`)}`;
      const on: DeepLinkRun[] = [];
      const off: DeepLinkRun[] = [];
      for (let i = 0; i < runs; i++) {
        on.push(await deepLink(browser, link));
        off.push(await deepLink(browser, `${link}&prefetch=0`));
      }
      const a = summarise(on);
      const b = summarise(off);
      log(`prefetch: on ${a.runs.join(' ')}, off ${b.runs.join(' ')}`);
      prefetch = { slide: SVS, on: a, off: b, ratio: +(b.firstViewportMs / a.firstViewportMs).toFixed(2) };
    }
    const compareDir = args.find((a) => a.startsWith('--compare='))?.split('=')[1];
    let compare = null;
    if (compareDir && slides[0]?.name === SVS) {
      const { server: other, url: otherApp } = await previewApp(path.resolve(compareDir));
      const server = await startSlideServer(slides[0].dir);
      const slow = await startSlideServer(slides[0].dir, 0, { latencyMs: LATENCY_MS });
      servers.push(server, slow);
      const q = `?slide=${encodeURIComponent(`${server.url}/${SVS}`)}`;
      const qSlow = `?slide=${encodeURIComponent(`${slow.url}/${SVS}`)}`;
      const mine: DeepLinkRun[] = [];
      const theirs: DeepLinkRun[] = [];
      const mineSlow: DeepLinkRun[] = [];
      const theirsSlow: DeepLinkRun[] = [];
      try {
        for (let i = 0; i < runs; i++) {
          mine.push(await deepLink(browser, `${app}${q}`));
          theirs.push(await deepLink(browser, `${otherApp}${q}`));
        }
        for (let i = 0; i < 3; i++) {
          mineSlow.push(await deepLink(browser, `${app}${qSlow}`));
          theirsSlow.push(await deepLink(browser, `${otherApp}${qSlow}`));
        }
      } finally {
        await other.close();
      }
      const a = summarise(mine);
      const b = summarise(theirs);
      const aSlow = summarise(mineSlow);
      const bSlow = summarise(theirsSlow);
      log(`compare: this build ${a.runs.join(' ')}, ${compareDir} ${b.runs.join(' ')}`);
      log(
        `compare, ${LATENCY_MS} ms latency: this build ${aSlow.runs.join(' ')}, ${compareDir} ${bSlow.runs.join(' ')}`,
      );
      compare = {
        slide: SVS,
        thisBuild: a,
        other: { dist: compareDir, ...b, bundle: bundleSizes(path.resolve(compareDir)) },
        ratio: +(b.firstViewportMs / a.firstViewportMs).toFixed(2),
        latency: {
          latencyMs: LATENCY_MS,
          thisBuild: aSlow,
          other: bSlow,
          ratio: +(bSlow.firstViewportMs / aSlow.firstViewportMs).toFixed(2),
        },
      };
    }
    const load = (await import('node:os')).loadavg();
    // the number issue 10 sets a goal on: the SVS deep link, first complete viewport from navigation
    const svsRun = deep.find((d) => d.slide === SVS) ?? null;
    const headline = svsRun && {
      slide: SVS,
      firstViewportFromNavigationMs: svsRun.firstViewportMs,
      minMs: svsRun.minMs,
      maxMs: svsRun.maxMs,
      runs: svsRun.runs,
      goalMs: 500,
      stretchGoalMs: 300,
      loadAverage: +load[0].toFixed(1),
    };
    if (headline)
      log(
        `FIRST VIEWPORT FROM NAVIGATION (${SVS} deep link, built app served locally): median ${headline.firstViewportFromNavigationMs} ms (min ${headline.minMs}, max ${headline.maxMs}; goal 500 ms, stretch 300 ms), load average ${load.map((l) => l.toFixed(1)).join(' ')}`,
      );
    return {
      headline,
      compare,
      prefetch,
      machine: `${process.platform} ${process.arch}, Chromium (software rendering), load ${load[0].toFixed(1)}`,
      viewport: '1440x900',
      bundle: bundleSizes(outDir),
      deepLink: deep,
      latency,
    };
  } finally {
    await browser.close();
    for (const s of servers) await s.close();
    await prod.close();
  }
}
