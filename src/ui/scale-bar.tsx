import { useAppStore } from '../state/use-app-store';
import { formatMagnification, magnification, scaleBar } from '../viewer/view-math';

export function ScaleBar() {
  const mpp = useAppStore((s) => s.metadata?.mpp ?? null);
  const zoom = useAppStore((s) => s.view?.zoom ?? null);
  if (mpp === null || zoom === null) return null;
  const bar = scaleBar(mpp / zoom);
  if (!bar) return null;
  return (
    <div className="scale-bar" data-testid="scale-bar">
      <div className="scale-line" style={{ width: `${bar.px}px` }} />
      <div className="scale-text">
        <span data-testid="scale-label">{bar.label}</span>
        <span className="muted">{formatMagnification(magnification(mpp, zoom))}</span>
      </div>
    </div>
  );
}
