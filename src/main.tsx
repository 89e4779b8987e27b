// Entry point, in three steps so that a deep link's slide is on screen as early as possible:
//  1. here, with next to no code: read the address bar and start opening its slide (the slide
//     worker starts and reads the file's directories while the rest of the app downloads);
//  2. the viewer chunk (OpenSeadragon, the slide session): the slide is shown;
//  3. the app chunk (React, the chrome, the analysis and its model code), once a deep link's first
//     view is complete: rendered over it, and window.mrnViewer installed once all of it is there.
// The viewer and the session live outside React (OSD owns its DOM); React renders the chrome on top
// and drives everything through the session.

import { readUrlState } from './state/url-state';
import { openEarly, viewerSlideOpener } from './viewer/open-viewer-slide';
import './ui/app.css';

const urlState = readUrlState();
// a deep link without a view opens at home: its tiles are read as soon as it is open (?prefetch=0: not)
const opener = openEarly(
  viewerSlideOpener({ coalesce: urlState.coalesce, prefetchHome: urlState.prefetch && !urlState.view }),
  urlState.slide,
);

// the viewer's chunk downloads at once (index.html preloads it); the app's after the first view
const viewerChunk = Promise.all([import('./viewer/viewer-controller'), import('./state/slide-session')]);
const loadAppChunk = () =>
  Promise.all([
    import('react'),
    import('react-dom/client'),
    import('react-dom'),
    import('./ui/app'),
    import('./ui/body-classes'),
    import('./state/analysis/analysis-session'),
    import('./state/open-files'),
    import('./api/analysis-api'),
    import('./api/mrn-viewer-api'),
    import('./api/onnx-import-api'),
    import('./viewer/heatmap-layer'),
    import('./viewer/heatmap-viewport'),
    import('./state/analysis-store'),
    import('./state/analysis/model-runtimes'),
  ]);
/** a deep link's app chunk waits at most this long for the first view (a slow link, a huge slide) */
const APP_CHUNK_WAIT_MS = 1500;
let wantApp: () => void = () => {};
// the app's chunk loads once a deep link's first view is complete: before it, its ~500 kB of script
// (parsed, compiled, run, and React's first render) took the CPU the slide's decodes needed
const appChunk = new Promise<void>((resolve) => {
  wantApp = resolve;
}).then(loadAppChunk);

async function start(): Promise<void> {
  const [{ parseDrawer, SlideViewer }, { SlideSession }] = await viewerChunk;
  const viewerElement = document.getElementById('viewer')!;
  // ?drawer=canvas|webgl picks OpenSeadragon's drawer (see viewer-controller.ts)
  const drawer = parseDrawer(urlState.drawer);
  type Analysis = import('./state/analysis/analysis-session').AnalysisSession;
  let analysis: Analysis | null = null;
  const viewer = new SlideViewer(
    viewerElement,
    {
      onView: (v) => {
        session.viewerCallbacks.onView(v);
        analysis?.onMainView(v);
      },
      onTileError: (m) => session.viewerCallbacks.onTileError(m),
      onFirstViewport: () => wantApp(),
    },
    drawer,
  );
  const session = new SlideSession(viewer, opener);
  const deepLink = session.openFromUrl();
  if (!deepLink) wantApp();
  else {
    // nor does it wait for a first view that will not come
    void deepLink.then(
      (s) => {
        if (s.status !== 'ready') wantApp();
      },
      () => wantApp(),
    );
    setTimeout(() => wantApp(), APP_CHUNK_WAIT_MS);
  }

  const [
    { StrictMode, createElement },
    { createRoot },
    { flushSync },
    { App },
    { bindBodyClasses },
    { AnalysisSession },
    { setMaskLoader, setModelImporter, setResultsLoader, setTruthLoader },
    { registerAnalysisApi },
    { installApi },
    { registerOnnxImportApi },
    { HeatmapLayer },
    { viewerImageRect },
    { setAnalysis },
    { unoptimizedBrowserEngine },
  ] = await appChunk;
  // ?cascade=0: every model on every patch (no coarse screen first); ?cascade=1: screen first
  if (urlState.cascade !== null) setAnalysis({ cascade: urlState.cascade });
  // ?tile=64: inference tiles of the trained 64 px patch (as before bigger tiles), ?tile=256: bigger
  if (urlState.tile !== null) setAnalysis({ tileSize: urlState.tile });
  if (urlState.flips !== null) setAnalysis({ flips: urlState.flips });
  // ?prewarm=0: no model workers started while the slide is looked at (only when a run asks)
  if (!urlState.prewarm) setAnalysis({ prewarm: false });

  /** The right-hand viewer of the split view, made on first use. */
  function createCompareViewer() {
    const el = document.createElement('div');
    el.id = 'viewer-compare';
    el.setAttribute('aria-label', 'Compare viewer');
    viewerElement.after(el);
    return new SlideViewer(el, { onView: (v) => analysis?.onCompareView(v) }, drawer);
  }

  analysis = new AnalysisSession(session, {
    // ?optimize=0: graphs run as exported (no fused convs; the benchmarks' legacy rows)
    ...(urlState.optimize ? {} : { engine: unoptimizedBrowserEngine }),
    createCompareViewer,
    createLayer: (v, content) => new HeatmapLayer(v, content),
    viewRect: viewerImageRect,
  });
  bindBodyClasses();
  registerAnalysisApi(analysis);
  registerOnnxImportApi(analysis);
  const a = analysis;
  setTruthLoader((text, name) => a.setTruthFromTextWhenReady(text, name));
  setModelImporter((onnx, card) => a.onnx.importFile(onnx, card));
  setMaskLoader((bytes, name, gradeCsv) => a.setTruthFromMask(bytes, name, { gradeCsv }));
  setResultsLoader((files) => a.openResults(files));
  // the deep link's batch results (&results=) once its slide is open
  void deepLink?.then(() => a.openResultsFromUrl());
  // rendered (effects included: the keyboard handlers) before the API says the app is there
  const root = createRoot(document.getElementById('root')!);
  flushSync(() => root.render(createElement(StrictMode, null, createElement(App, { session, analysis }))));
  installApi(session);
}

void start();
