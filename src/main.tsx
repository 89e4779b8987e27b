// Entry point: the viewer and the session live outside React (OSD owns its DOM); React renders the
// chrome on top and drives everything through the session.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerAnalysisApi } from './api/analysis-api';
import { installApi } from './api/mrn-viewer-api';
import { registerOnnxImportApi } from './api/onnx-import-api';
import { AnalysisSession } from './state/analysis/analysis-session';
import { setModelImporter, setTruthLoader } from './state/open-files';
import { SlideSession } from './state/slide-session';
import { readUrlState } from './state/url-state';
import { App } from './ui/app';
import { bindBodyClasses } from './ui/body-classes';
import { HeatmapLayer } from './viewer/heatmap-layer';
import { viewerImageRect } from './viewer/heatmap-viewport';
import { openViewerSlide } from './viewer/open-viewer-slide';
import { parseDrawer, SlideViewer } from './viewer/viewer-controller';
import './ui/app.css';

const viewerElement = document.getElementById('viewer')!;
// ?drawer=canvas|webgl picks OpenSeadragon's drawer (see viewer-controller.ts)
const drawer = parseDrawer(readUrlState().drawer);
let session: SlideSession | null = null;
let analysis: AnalysisSession | null = null;
const viewer = new SlideViewer(
  viewerElement,
  {
    onView: (v) => {
      session?.viewerCallbacks.onView(v);
      analysis?.onMainView(v);
    },
    onTileError: (m) => session?.viewerCallbacks.onTileError(m),
  },
  drawer,
);
session = new SlideSession(viewer, openViewerSlide);

/** The right-hand viewer of the split view, made on first use. */
function createCompareViewer(): SlideViewer {
  const el = document.createElement('div');
  el.id = 'viewer-compare';
  el.setAttribute('aria-label', 'Compare viewer');
  viewerElement.after(el);
  return new SlideViewer(el, { onView: (v) => analysis?.onCompareView(v) }, drawer);
}

analysis = new AnalysisSession(session, {
  createCompareViewer,
  createLayer: (v, content) => new HeatmapLayer(v, content),
  viewRect: viewerImageRect,
});
bindBodyClasses();
registerAnalysisApi(analysis);
registerOnnxImportApi(analysis);
setTruthLoader((text, name) => analysis?.setTruthFromText(text, name));
setModelImporter((onnx, card) => analysis?.onnx.importFile(onnx, card));
installApi(session);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} analysis={analysis} />
  </StrictMode>,
);

void session.openFromUrl();
