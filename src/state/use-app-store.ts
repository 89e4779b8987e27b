// React binding for the app store.

import { useStore } from 'zustand';
import { type AppState, appStore } from './app-store';

export function useAppStore<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
