// The stages of bringing an ONNX file into the page, and one progress line for them.

export type ImportStage = 'reading' | 'parsing' | 'converting' | 'checking' | 'saving';

export interface ImportProgress {
  stage: ImportStage;
  /** units done within the stage (bytes read, nodes converted); total 0 when unknown */
  done: number;
  total: number;
}

const ORDER: ImportStage[] = ['reading', 'parsing', 'converting', 'checking', 'saving'];
/** share of the whole import each stage takes, roughly (conversion dominates) */
const WEIGHT: Record<ImportStage, number> = {
  reading: 10,
  parsing: 10,
  converting: 70,
  checking: 8,
  saving: 2,
};

/** Overall percent 0..100 for a progress report. */
export function importPercent(p: ImportProgress): number {
  let before = 0;
  for (const s of ORDER) {
    if (s === p.stage) break;
    before += WEIGHT[s];
  }
  const within = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  return Math.round(before + WEIGHT[p.stage] * within);
}

/** "converting: 120/300 nodes (52%)" */
export function progressLine(p: ImportProgress): string {
  const unit = p.stage === 'reading' ? 'KiB' : p.stage === 'converting' ? 'nodes' : '';
  const scale = p.stage === 'reading' ? 1024 : 1;
  const counts =
    p.total > 0 && unit ? ` ${Math.round(p.done / scale)}/${Math.round(p.total / scale)} ${unit}` : '';
  return `${p.stage}${counts} (${importPercent(p)}%)`;
}
