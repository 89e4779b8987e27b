// The page chrome around the OpenSeadragon viewer.

import { useCallback, useEffect, useRef } from 'react';
import type { AnalysisSession } from '../state/analysis/analysis-session';
import { getAnalysis } from '../state/analysis-store';
import { getState, setState } from '../state/app-store';
import { isOnnxFile, openFiles } from '../state/open-files';
import type { SlideSession } from '../state/slide-session';
import { useAppStore } from '../state/use-app-store';
import { AnalysisPanel } from './analysis/analysis-panel';
import { CompareLabels } from './analysis/compare-labels';
import { ViewportLimitNotice } from './analysis/viewport-limit-notice';
import { DropZone } from './drop-zone';
import { EmptyState } from './empty-state';
import { HelpOverlay } from './help-overlay';
import { InfoPanel } from './info-panel';
import { MppPrompt } from './mpp-prompt';
import { OnnxImportDialog } from './onnx-import/onnx-import-dialog';
import { ScaleBar } from './scale-bar';
import { StatusBanner } from './status-banner';
import { TopBar } from './top-bar';

export const DEMO_SLIDE_URL = `${import.meta.env.BASE_URL}demo/demo.tiff`;

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  );
}

export function App({ session, analysis }: { session: SlideSession; analysis: AnalysisSession }) {
  const status = useAppStore((s) => s.status);
  const fileInput = useRef<HTMLInputElement>(null);
  // stable, so the info panel's thumbnails are read once per slide
  const readAssociated = useCallback(
    (index: number, maxSize: number, signal: AbortSignal) => session.readAssociated(index, maxSize, signal),
    [session],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '?') {
        setState({ helpOpen: !getState().helpOpen });
        e.preventDefault();
      } else if (e.key === 'Escape') {
        const s = getState();
        if (s.helpOpen) setState({ helpOpen: false });
        else if (s.notice) setState({ notice: null });
        else if (s.infoOpen) setState({ infoOpen: false });
      } else if (e.key === 'i') {
        setState({ infoOpen: !getState().infoOpen });
      } else if (e.key === 'o') {
        fileInput.current?.click();
      } else if (e.key === 'h' || e.key === 'H') {
        if (getState().status === 'ready') analysis.display.toggleHeatmap();
      } else if (e.key === 'c') {
        if (getState().status === 'ready') void analysis.display.setCompare(!getAnalysis().compare);
      } else if (e.key === 'l') {
        analysis.display.setLock(!getAnalysis().lock);
      } else if (e.key === 'm') {
        analysis.display.setPanelOpen(!getAnalysis().panelOpen);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [analysis]);

  return (
    <div className="app">
      <TopBar
        fileInput={fileInput}
        onOpen={(input) =>
          void (input instanceof File && isOnnxFile(input)
            ? openFiles(session, [input])
            : session.open(input))
        }
        onOpenFiles={(files) => void openFiles(session, files)}
        onDemo={() => void session.open(DEMO_SLIDE_URL)}
        onHome={() => session.viewer.goHome()}
        onHeatmap={() => analysis.display.toggleHeatmap()}
        onPanel={() => analysis.display.setPanelOpen(!getAnalysis().panelOpen)}
      />
      <StatusBanner onRetryTiles={() => session.retryFailedTiles()} />
      {status === 'idle' || (status === 'error' && !getState().metadata) ? (
        <EmptyState
          onOpenFile={() => fileInput.current?.click()}
          onDemo={() => void session.open(DEMO_SLIDE_URL)}
        />
      ) : null}
      <InfoPanel readAssociated={readAssociated} />
      <AnalysisPanel analysis={analysis} />
      <OnnxImportDialog onnx={analysis.onnx} />
      <CompareLabels />
      <div className="bottom-left">
        <MppPrompt onSet={(mpp) => session.setMpp(mpp)} />
        <ViewportLimitNotice analysis={analysis} />
        <ScaleBar />
      </div>
      <HelpOverlay />
      <DropZone
        onFiles={(files) =>
          void (files.length === 1 && !isOnnxFile(files[0])
            ? session.open(files[0])
            : openFiles(session, files))
        }
      />
    </div>
  );
}
