// The page's body classes, owned by the UI: `compare` (split view: the CSS halves #viewer and
// shows #viewer-compare) and `no-slide` (nothing open: no navigator box). Bound to the stores
// outside React so the class is there synchronously, before the compare viewer opens and measures.

import { analysisStore } from '../state/analysis-store';
import { appStore } from '../state/app-store';

export function bindBodyClasses(body: HTMLElement = document.body): () => void {
  const compare = () => body.classList.toggle('compare', analysisStore.getState().compare);
  const slide = () => body.classList.toggle('no-slide', appStore.getState().status !== 'ready');
  compare();
  slide();
  const offs = [analysisStore.subscribe(compare), appStore.subscribe(slide)];
  return () => {
    for (const off of offs) off();
  };
}
