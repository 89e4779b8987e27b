// The inference tile size: the default (each model's largest tile up to DEFAULT_TILE_SIZE, 256 px;
// the trained patch for a model without larger tiles) or an upper bound, 64 being the trained patch
// (as before bigger tiles). Sticky like the backend.

import { DEFAULT_TILE_SIZE, tileSizesOf } from '../../inference/model-tiles';
import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { useAnalysisSlice } from './use-analysis';

export function TileSizeSection({ analysis }: { analysis: AnalysisSession }) {
  const a = useAnalysisSlice((s) => ({ tileSize: s.tileSize, models: s.models }));
  // every size some listed model offers
  const sizes = [...new Set(a.models.flatMap((m) => (m.card ? tileSizesOf(m.card) : [])))].sort(
    (x, y) => x - y,
  );
  if (a.tileSize !== null && !sizes.includes(a.tileSize)) sizes.push(a.tileSize);
  return (
    <label
      className="field"
      title="Larger tiles keep more of each model run (the 8 px border is dropped); 64 px is the trained patch. The default runs each model on the largest tile it offers up to 256 px"
    >
      <span>Tile size</span>
      <select
        aria-label="Tile size"
        data-testid="tile-size"
        value={a.tileSize === null ? '' : String(a.tileSize)}
        onChange={(e) => analysis.display.setTileSize(e.target.value === '' ? null : Number(e.target.value))}
      >
        <option value="">default (largest up to {DEFAULT_TILE_SIZE} px)</option>
        {sizes.map((s) => (
          <option key={s} value={s}>
            {s} px
          </option>
        ))}
      </select>
    </label>
  );
}
