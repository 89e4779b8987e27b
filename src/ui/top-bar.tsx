import { type RefObject, useState } from 'react';
import { useAnalysisStore } from '../state/analysis-store';
import { getState, setState } from '../state/app-store';
import { useAppStore } from '../state/use-app-store';
import { formatMagnification, magnification } from '../viewer/view-math';
import { FolderPicker } from './folder-picker';
import { TokenField } from './token-field';

interface Props {
  fileInput: RefObject<HTMLInputElement | null>;
  onOpen(input: File | string): void;
  /** several files at once (a DICOM series, a slide plus its annotation, a folder) */
  onOpenFiles(files: File[]): void;
  onDemo(): void;
  onHome(): void;
  onHeatmap(): void;
  onPanel(): void;
}

export function TopBar({ fileInput, onOpen, onOpenFiles, onDemo, onHome, onHeatmap, onPanel }: Props) {
  const heatmap = useAnalysisStore((a) => a.heatmapVisible);
  const panelOpen = useAnalysisStore((a) => a.panelOpen);
  const [url, setUrl] = useState('');
  const status = useAppStore((s) => s.status);
  const name = useAppStore((s) => s.metadata?.name ?? null);
  const infoOpen = useAppStore((s) => s.infoOpen);
  const mag = useAppStore((s) =>
    s.metadata?.mpp && s.view ? formatMagnification(magnification(s.metadata.mpp, s.view.zoom)) : null,
  );

  return (
    <header className="top-bar">
      <div className="brand" title="MRN Viewer">
        <img src="/favicon.svg" alt="" width={22} height={22} />
        <span>MRN Viewer</span>
      </div>
      <div className="toolbar">
        <button
          type="button"
          className="btn primary"
          onClick={() => fileInput.current?.click()}
          title="Open a local file (O)"
        >
          Open file…
        </button>
        <input
          ref={fileInput}
          type="file"
          data-testid="file-input"
          accept=".tif,.tiff,.svs,.ome.tif,.ome.tiff,.tf8,.btf,.ndpi,.png,.jpg,.jpeg,.bmp,.webp,.dcm,.dicom,.xml,.geojson,.json,.onnx,image/tiff,image/png,image/jpeg,image/bmp,image/webp"
          multiple
          hidden
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            if (files.length === 1) onOpen(files[0]);
            else if (files.length > 1) onOpenFiles(files);
            e.target.value = '';
          }}
        />
        <FolderPicker onFiles={onOpenFiles} />
        <form
          className="url-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (url.trim()) onOpen(url.trim());
          }}
        >
          <input
            type="url"
            className="url-input"
            placeholder="https://…/slide.svs (needs Range + CORS)"
            aria-label="Slide URL"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
          <TokenField />
          <button type="submit" className="btn" disabled={!url.trim()}>
            Open URL
          </button>
        </form>
        <button type="button" className="btn" onClick={onDemo}>
          Demo slide
        </button>
      </div>
      <div className="slide-title" title={name ?? undefined}>
        {status === 'loading' ? <span className="spinner" aria-hidden /> : null}
        {name ? <span className="name">{name}</span> : null}
        {mag ? (
          <span
            className="mag"
            data-testid="magnification"
            title="Magnification (10 µm per screen pixel = 1×)"
          >
            {mag}
          </span>
        ) : null}
      </div>
      <div className="toolbar right">
        <button
          type="button"
          className="btn icon"
          onClick={onHome}
          disabled={status !== 'ready'}
          title="Fit slide (0)"
        >
          ⤢
        </button>
        <button
          type="button"
          className={`btn ${heatmap ? 'active' : ''}`}
          aria-pressed={heatmap}
          data-testid="heatmap-toggle"
          onClick={onHeatmap}
          disabled={status !== 'ready'}
          title="Tumour heatmap (H)"
        >
          Heatmap
        </button>
        <button
          type="button"
          className={`btn ${panelOpen ? 'active' : ''}`}
          aria-pressed={panelOpen}
          data-testid="analysis-toggle"
          onClick={onPanel}
          title="Analysis panel (M)"
        >
          Analysis
        </button>
        <button
          type="button"
          className={`btn ${infoOpen ? 'active' : ''}`}
          aria-pressed={infoOpen}
          onClick={() => setState({ infoOpen: !getState().infoOpen })}
          title="Slide information (I)"
        >
          Info
        </button>
        <button
          type="button"
          className="btn icon"
          onClick={() => setState({ helpOpen: !getState().helpOpen })}
          title="Keyboard shortcuts (?)"
          aria-label="Help"
        >
          ?
        </button>
      </div>
    </header>
  );
}
