// The panel's sections subscribe to the slice of the analysis store they show (shallow-compared),
// so a batch landing re-renders the stats and the progress, not the whole panel.

import { useShallow } from 'zustand/react/shallow';
import { type AnalysisState, useAnalysisStore } from '../../state/analysis-store';
import { useAppStore } from '../../state/use-app-store';

export function useAnalysisSlice<T extends object>(pick: (s: AnalysisState) => T): T {
  return useAnalysisStore(useShallow(pick));
}

export function useSlideReady(): boolean {
  return useAppStore((s) => s.status === 'ready' && s.metadata !== null);
}
