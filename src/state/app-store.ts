// App state in one zustand store. Created with zustand/vanilla so non-React code (src/api, the
// session) can read and write it; React reads it through useAppStore.

import { createStore } from 'zustand/vanilla';
import type { SlideMetadata } from '../slide/slide-types';
import type { ViewState } from '../viewer/view-math';

export type SlideStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface Notice {
  kind: 'error' | 'warning' | 'info';
  message: string;
  /** shows a Retry button that reloads failed tiles */
  retryTiles?: boolean;
}

export interface AppState {
  status: SlideStatus;
  /** why the last open failed (status 'error') */
  error: string | null;
  /** what is being opened, for the loading banner */
  loadingLabel: string | null;
  metadata: SlideMetadata | null;
  /** the URL the open slide came from (null for a File or Blob); its sidecar lives beside it */
  slideUrl: string | null;
  view: ViewState | null;
  notice: Notice | null;
  infoOpen: boolean;
  helpOpen: boolean;
  mppPromptOpen: boolean;
}

export const initialAppState: AppState = {
  status: 'idle',
  error: null,
  loadingLabel: null,
  metadata: null,
  slideUrl: null,
  view: null,
  notice: null,
  infoOpen: false,
  helpOpen: false,
  mppPromptOpen: false,
};

export const appStore = createStore<AppState>()(() => ({ ...initialAppState }));

export function setState(patch: Partial<AppState>): void {
  appStore.setState(patch);
}

export function getState(): AppState {
  return appStore.getState();
}
