// The analysis panel (M): one component per section, each subscribed to the store slice it shows
// and acting only through AnalysisSession methods. A new section (e.g. importing a model file,
// opening batch results, a thread count) is a new file here, added to the list below.

import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { PanelHead } from '../panel-head';
import { AddModelSection } from './add-model-section';
import { BatchResultsSection } from './batch-results-section';
import { CascadeSection } from './cascade-section';
import { ConvertedModelsSection } from './converted-models-section';
import { ExportsSection } from './exports-section';
import { FlipsSection } from './flips-section';
import { JobsSection } from './jobs-section';
import { ModelSection } from './model-section';
import { PrewarmSection } from './prewarm-section';
import { StatsSection } from './stats-section';
import { StyleSection } from './style-section';
import { TileSizeSection } from './tile-size-section';
import { TruthSection } from './truth-section';
import { useAnalysisSlice } from './use-analysis';

export function AnalysisPanel({ analysis }: { analysis: AnalysisSession }) {
  const { panelOpen, modelsError } = useAnalysisSlice((s) => ({
    panelOpen: s.panelOpen,
    modelsError: s.modelsError,
  }));
  if (!panelOpen) return null;
  return (
    <aside className="analysis-panel" data-testid="analysis-panel" aria-label="Analysis">
      <PanelHead title="Tumour analysis" onClose={() => analysis.display.setPanelOpen(false)} />
      {modelsError ? <p className="error-text">{modelsError}</p> : null}
      <ModelSection analysis={analysis} />
      <TileSizeSection analysis={analysis} />
      <FlipsSection analysis={analysis} />
      <CascadeSection />
      <PrewarmSection />
      <StyleSection analysis={analysis} />
      <TruthSection analysis={analysis} />
      <AddModelSection analysis={analysis} />
      <ConvertedModelsSection analysis={analysis} />
      <StatsSection />
      <BatchResultsSection />
      <JobsSection analysis={analysis} />
      <ExportsSection analysis={analysis} />
    </aside>
  );
}
