import { setState } from '../state/app-store';
import { useAppStore } from '../state/use-app-store';
import { formatBytes } from '../util/format-bytes';
import { AssociatedImages, type ReadAssociated } from './associated-images';
import { PanelHead } from './panel-head';

const MPP_SOURCE: Record<string, string> = {
  'tiff-resolution': 'TIFF resolution tags',
  aperio: 'Aperio description',
  ome: 'OME-XML',
  philips: 'Philips XML',
  sidecar: '<name>.json sidecar',
  dicom: 'DICOM PixelSpacing',
  user: 'entered by you',
};

const FORMAT: Record<string, string> = {
  'generic-tiff': 'Generic pyramidal TIFF',
  'aperio-svs': 'Aperio SVS',
  'ome-tiff': 'OME-TIFF',
  'striped-tiff': 'Striped TIFF',
  'hamamatsu-ndpi': 'Hamamatsu NDPI',
  'philips-tiff': 'Philips TIFF',
  'plain-image': 'Plain image',
  dicom: 'DICOM WSI',
};

export function InfoPanel({ readAssociated }: { readAssociated?: ReadAssociated }) {
  const open = useAppStore((s) => s.infoOpen);
  const m = useAppStore((s) => s.metadata);
  if (!open) return null;
  return (
    <aside className="info-panel" data-testid="info-panel" aria-label="Slide information">
      <PanelHead title="Slide information" onClose={() => setState({ infoOpen: false })} />
      {!m ? (
        <p className="muted">No slide open.</p>
      ) : (
        <>
          <dl className="props">
            <dt>Name</dt>
            <dd data-testid="info-name">{m.name}</dd>
            <dt>Dimensions</dt>
            <dd data-testid="info-dimensions">
              {m.width.toLocaleString('en-US')} × {m.height.toLocaleString('en-US')} px
            </dd>
            <dt>Resolution</dt>
            <dd data-testid="info-mpp">
              {m.mpp !== null ? `${m.mpp.toPrecision(4)} µm/px` : 'unknown'}
              {m.mppSource ? (
                <span className="muted"> ({MPP_SOURCE[m.mppSource] ?? m.mppSource})</span>
              ) : null}
            </dd>
            <dt>Objective</dt>
            <dd>{m.objective !== null ? `${m.objective}×` : 'unknown'}</dd>
            <dt>Vendor</dt>
            <dd>{m.vendor ?? 'unknown'}</dd>
            <dt>Format</dt>
            <dd>
              {FORMAT[m.format] ?? m.format}
              {m.bigTiff ? ' (BigTIFF)' : ''}
            </dd>
            <dt>Compression</dt>
            <dd>{m.compression}</dd>
            <dt>File size</dt>
            <dd>{formatBytes(m.byteLength)}</dd>
          </dl>
          <h3>Levels</h3>
          <table className="levels" data-testid="info-levels">
            <thead>
              <tr>
                <th>#</th>
                <th>Size</th>
                <th>Downsample</th>
                <th>Tile</th>
              </tr>
            </thead>
            <tbody>
              {m.levels.map((l, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: levels are a fixed list per slide
                <tr key={i} className={l.synthetic ? 'synthetic' : ''}>
                  <td>{i}</td>
                  <td>
                    {l.width}×{l.height}
                  </td>
                  <td>{l.downsample.toFixed(l.downsample < 10 ? 2 : 1)}</td>
                  <td>
                    {l.tileWidth}×{l.tileHeight}
                    {l.synthetic ? (
                      <span className="tag" title="built on the fly from a finer level">
                        synth
                      </span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <AssociatedImages metadata={m} read={readAssociated} />
        </>
      )}
    </aside>
  );
}
