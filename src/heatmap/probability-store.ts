// Per-model probability store: the kept centre of each patch, stitched at the target mpp.
//
// Usage:
//   const store = new ProbabilityStore({ modelId: 'mrn', targetMpp: 1, slideMpp: 0.5, targetSize: 64, margin: 8 });
//   store.putPatch(planned, output, slot);  // output: batch of [64,64,1] probabilities, slot = patch index
//   store.has(col, row);                     // cached?  → skip on revisit
//   store.sampleLevel0(x, y);                // probability at a level-0 point, NaN where not analysed
//
// Geometry: store pixel (u, v) covers level-0 [u·d, (u+1)·d) × [v·d, (v+1)·d), d = targetMpp / slideMpp.
// Patch (col, row) keeps output pixels [margin, size − margin), which land on store pixels
// col·keep + (i − margin), exactly as planPatchGrid places them, so neighbours abut with no seam.
// Storage is sparse (one Uint8Array per analysed cell) so whole-slide runs fit in memory:
// byte 0 = not analysed, 1..255 = probability (byte − 1) / 254.

import type { PlannedPatch } from '../geometry/patch-geometry';

export interface StoreInfo {
  modelId: string;
  /** µm per target (output) pixel */
  targetMpp: number;
  /** µm per level-0 pixel */
  slideMpp: number;
  /** model output edge in pixels (= target patch edge) */
  targetSize: number;
  /** output pixels discarded on each side */
  margin: number;
  /** flipped copies per patch averaged (test-time flip averaging); absent: 1, as stores saved before it */
  flips?: number;
}

export interface CellBounds {
  col0: number;
  row0: number;
  /** exclusive */
  col1: number;
  row1: number;
}

const key = (col: number, row: number) => `${col},${row}`;
export const encodeProbability = (p: number) => 1 + Math.round(Math.min(1, Math.max(0, p)) * 254);
export const decodeProbability = (b: number) => (b === 0 ? Number.NaN : (b - 1) / 254);

export class ProbabilityStore {
  readonly keep: number;
  /** level-0 px per store px */
  readonly d: number;
  private readonly cells = new Map<string, Uint8Array>();
  private bounds: CellBounds | null = null;
  /** bumps on every change, so renderers can tell stale tiles */
  version = 0;

  constructor(readonly info: StoreInfo) {
    this.keep = info.targetSize - 2 * info.margin;
    if (this.keep <= 0) throw new Error('margin leaves nothing to keep');
    this.d = info.targetMpp / info.slideMpp;
  }

  get cellCount(): number {
    return this.cells.size;
  }

  get cellBounds(): CellBounds | null {
    return this.bounds;
  }

  has(col: number, row: number): boolean {
    return this.cells.has(key(col, row));
  }

  getCell(col: number, row: number): Uint8Array | undefined {
    return this.cells.get(key(col, row));
  }

  /** Stores the kept centre of one patch's output. `slot` indexes the patch within `output`. */
  putPatch(patch: Pick<PlannedPatch, 'col' | 'row'>, output: Float32Array, slot = 0): void {
    const { targetSize: size, margin } = this.info;
    const keep = this.keep;
    const cell = new Uint8Array(keep * keep);
    const base = slot * size * size;
    for (let j = 0; j < keep; j++) {
      const src = base + (j + margin) * size + margin;
      for (let i = 0; i < keep; i++) cell[j * keep + i] = encodeProbability(output[src + i]);
    }
    this.setCell(patch.col, patch.row, cell);
  }

  setCell(col: number, row: number, cell: Uint8Array): void {
    if (cell.length !== this.keep * this.keep) throw new Error('cell has the wrong size');
    this.cells.set(key(col, row), cell);
    const b = this.bounds;
    this.bounds = b
      ? {
          col0: Math.min(b.col0, col),
          row0: Math.min(b.row0, row),
          col1: Math.max(b.col1, col + 1),
          row1: Math.max(b.row1, row + 1),
        }
      : { col0: col, row0: row, col1: col + 1, row1: row + 1 };
    this.version++;
  }

  /** Probability at store pixel (u, v); NaN where not analysed. */
  get(u: number, v: number): number {
    const keep = this.keep;
    const col = Math.floor(u / keep);
    const row = Math.floor(v / keep);
    const cell = this.cells.get(key(col, row));
    if (!cell) return Number.NaN;
    return decodeProbability(cell[(v - row * keep) * keep + (u - col * keep)]);
  }

  /** Probability at a level-0 point; NaN where not analysed. */
  sampleLevel0(x: number, y: number): number {
    return this.get(Math.floor(x / this.d), Math.floor(y / this.d));
  }

  *entries(): IterableIterator<{ col: number; row: number; cell: Uint8Array }> {
    for (const [k, cell] of this.cells) {
      const [col, row] = k.split(',').map(Number);
      yield { col, row, cell };
    }
  }

  /** Counts analysed store pixels and those at or above `threshold`. */
  countPixels(threshold: number): { analysed: number; positive: number } {
    const t = encodeProbability(threshold);
    let analysed = 0;
    let positive = 0;
    for (const cell of this.cells.values()) {
      for (let k = 0; k < cell.length; k++) {
        const b = cell[k];
        if (b !== 0) {
          analysed++;
          if (b >= t) positive++;
        }
      }
    }
    return { analysed, positive };
  }

  clear(): void {
    this.cells.clear();
    this.bounds = null;
    this.version++;
  }
}
