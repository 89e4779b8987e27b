import { setState } from '../state/app-store';
import { useAppStore } from '../state/use-app-store';
import { PanelHead } from './panel-head';

const VIEWER_KEYS: [string, string][] = [
  ['W A S D / arrows', 'Pan'],
  ['Shift+W / Shift+↑, = ', 'Zoom in'],
  ['Shift+S / Shift+↓, −', 'Zoom out'],
  ['0', 'Fit slide to window'],
  ['R / Shift+R', 'Rotate 90° clockwise / counter-clockwise'],
  ['F', 'Flip horizontally'],
  ['Mouse wheel, pinch', 'Zoom'],
  ['Drag', 'Pan'],
  ['Double-click', 'Zoom in (Shift: out)'],
];

const APP_KEYS: [string, string][] = [
  ['?', 'Show / hide this help'],
  ['O', 'Open a local file'],
  ['I', 'Show / hide slide information'],
  ['H', 'Show / hide the tumour heatmap'],
  ['M', 'Show / hide the analysis panel'],
  ['C', 'Compare two models side by side'],
  ['L', 'Lock / unlock pan and zoom of the two views'],
  ['Esc', 'Close help, dismiss a message, close information'],
];

function KeyTable({ title, rows }: { title: string; rows: [string, string][] }) {
  return (
    <section>
      <h3>{title}</h3>
      <table className="keys">
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function HelpOverlay() {
  const open = useAppStore((s) => s.helpOpen);
  if (!open) return null;
  return (
    <div className="overlay" onClick={() => setState({ helpOpen: false })} data-testid="help-overlay">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        onClick={(e) => e.stopPropagation()}
      >
        <PanelHead title="Keyboard shortcuts" onClose={() => setState({ helpOpen: false })} />
        <div className="key-columns">
          <KeyTable title="Viewer (click the slide first)" rows={VIEWER_KEYS} />
          <KeyTable title="App" rows={APP_KEYS} />
        </div>
        <p className="muted">
          Magnification: 10 µm per screen pixel = 1×. The view is kept in the address bar (x, y = view centre
          in full resolution pixels; zoom = screen pixels per full-resolution pixel), so links reopen the same
          place.
        </p>
      </div>
    </div>
  );
}
