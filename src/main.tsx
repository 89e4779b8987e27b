// Entry point: the viewer and the session live outside React (OSD owns its DOM); React renders the
// chrome on top and drives everything through the session.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installApi } from './api/mrn-viewer-api';
import { SlideSession } from './state/slide-session';
import { App } from './ui/app';
import { openViewerSlide } from './viewer/open-viewer-slide';
import { SlideViewer } from './viewer/viewer-controller';
import './ui/app.css';

const viewerElement = document.getElementById('viewer')!;
let session: SlideSession | null = null;
const viewer = new SlideViewer(viewerElement, {
  onView: (v) => session?.viewerCallbacks.onView(v),
  onTileError: (m) => session?.viewerCallbacks.onTileError(m),
});
session = new SlideSession(viewer, openViewerSlide);
installApi(session);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} />
  </StrictMode>,
);

void session.openFromUrl();
