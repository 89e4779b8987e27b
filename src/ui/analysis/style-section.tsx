// Colormap, opacity, the threshold outline, and the legend(s).

import { SEQUENTIAL_COLORMAPS, type SequentialColormap } from '../../heatmap/colormap';
import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { HeatmapLegend } from '../heatmap-legend';
import { useAnalysisSlice } from './use-analysis';

export function StyleSection({ analysis }: { analysis: AnalysisSession }) {
  const a = useAnalysisSlice((s) => ({
    colormap: s.colormap,
    opacity: s.opacity,
    outline: s.outline,
    threshold: s.threshold,
    difference: s.compare && s.difference,
  }));
  const setStyle = analysis.display.setStyle.bind(analysis.display);
  return (
    <>
      <div className="row">
        <label className="field">
          <span>Colours</span>
          <select
            aria-label="Colormap"
            value={a.colormap}
            onChange={(e) => setStyle({ colormap: e.target.value as SequentialColormap })}
          >
            {SEQUENTIAL_COLORMAPS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>Opacity {Math.round(a.opacity * 100)} %</span>
          <input
            type="range"
            aria-label="Opacity"
            min={0}
            max={1}
            step={0.05}
            value={a.opacity}
            onChange={(e) => setStyle({ opacity: Number(e.target.value) })}
          />
        </label>
      </div>
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={a.outline}
            onChange={(e) => setStyle({ outline: e.target.checked })}
          />
          Outline at
        </label>
        <input
          type="range"
          aria-label="Threshold"
          min={0.05}
          max={0.95}
          step={0.05}
          value={a.threshold}
          onChange={(e) => setStyle({ threshold: Number(e.target.value) })}
        />
        <span>{a.threshold.toFixed(2)}</span>
      </div>
      <HeatmapLegend colormap={a.colormap} threshold={a.outline ? a.threshold : null} />
      {a.difference ? (
        <HeatmapLegend colormap="RdBu" threshold={null} label="right − left probability" />
      ) : null}
    </>
  );
}
