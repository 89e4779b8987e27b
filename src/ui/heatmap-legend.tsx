import { type ColormapName, legendData } from '../heatmap/colormap';

/** Colour bar with its end values and the threshold mark. */
export function HeatmapLegend({
  colormap,
  threshold,
  label,
}: {
  colormap: ColormapName;
  threshold: number | null;
  label?: string;
}) {
  const legend = legendData(colormap, { threshold, label });
  const pos = threshold === null ? null : ((threshold - legend.min) / (legend.max - legend.min)) * 100;
  return (
    <div className="legend" data-testid={`legend-${colormap}`}>
      <div className="legend-label">{legend.label}</div>
      <div className="legend-bar" style={{ background: legend.gradient }}>
        {pos !== null ? <span className="legend-threshold" style={{ left: `${pos}%` }} /> : null}
      </div>
      <div className="legend-ticks">
        <span>{legend.min}</span>
        <span>{((legend.min + legend.max) / 2).toFixed(1)}</span>
        <span>{legend.max}</span>
      </div>
    </div>
  );
}
