// Pure helpers for whole-slide evaluation (scripts/eval.ts): pooling confusion counts over slides,
// and the summary rows of the paper-style table. The truth is analysis/ground-truth.ts's.
//
// Usage:
//   const pooled = poolCounts([slideA, slideB]);           // IoU/Dice over all pixels of all slides
//   const s = summarise(results);                          // per-model rows, U-Net per mpp, MRN deltas

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface Scores extends Counts {
  iou: number;
  dice: number;
  precision: number;
  recall: number;
  pixels: number;
}

/** IoU, Dice, precision, recall from confusion counts; empty-vs-empty agrees fully (1). */
export function scores(c: Counts): Scores {
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  return {
    ...c,
    iou: ratio(c.tp, c.tp + c.fp + c.fn),
    dice: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    pixels: c.tp + c.fp + c.fn + c.tn,
  };
}

/** Sums counts over slides, then scores: every pixel weighs the same, not every slide. */
export function poolCounts(list: Counts[]): Scores {
  const sum = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const c of list) {
    sum.tp += c.tp;
    sum.fp += c.fp;
    sum.fn += c.fn;
    sum.tn += c.tn;
  }
  return scores(sum);
}

export interface ModelResult {
  id: string;
  architecture: string;
  upsampling: string;
  /** µm/px of the target input (and output) */
  targetMpp: number;
  contextMpp: number | null;
  pooled: Scores;
}

export interface Comparison {
  a: string;
  b: string;
  /** a.iou − b.iou */
  iouDelta: number;
  diceDelta: number;
}

export interface Summary {
  /** U-Nets by input mpp, ascending (the paper's U-Net-per-mpp rows) */
  unetPerMpp: { mpp: number; id: string; iou: number; dice: number }[];
  /**
   * Every MRN against the U-Net at its own target mpp (same input, no context: the goal)
   * and against the best U-Net at any mpp (the stricter test).
   */
  mrnVsUnet: (Comparison & { versus: 'same-mpp' | 'best'; goal: number; meetsGoal: boolean })[];
  /** transposed-convolution MRN against the bilinear one, when both ran */
  transposedVsBilinear: Comparison | null;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

function compare(a: ModelResult, b: ModelResult): Comparison {
  return {
    a: a.id,
    b: b.id,
    iouDelta: round(a.pooled.iou - b.pooled.iou),
    diceDelta: round(a.pooled.dice - b.pooled.dice),
  };
}

/** The comparisons the issue asks for. `goal`: the IoU margin MRN must win by (0.10). */
export function summarise(results: ModelResult[], goal = 0.1): Summary {
  const unets = results.filter((r) => r.architecture === 'unet').sort((a, b) => a.targetMpp - b.targetMpp);
  const mrns = results.filter((r) => r.architecture === 'mrn');
  const bestUnet = [...unets].sort((a, b) => b.pooled.iou - a.pooled.iou)[0];
  const transposed = mrns.find((r) => r.upsampling === 'transposed');
  const bilinear = mrns.find((r) => r.upsampling === 'bilinear');
  return {
    unetPerMpp: unets.map((u) => ({
      mpp: u.targetMpp,
      id: u.id,
      iou: round(u.pooled.iou),
      dice: round(u.pooled.dice),
    })),
    mrnVsUnet: mrns.flatMap((m) => {
      const same = unets.find((u) => Math.abs(u.targetMpp - m.targetMpp) < 1e-9);
      const rows = [];
      for (const [versus, u] of [
        ['same-mpp', same],
        ['best', bestUnet],
      ] as const) {
        if (!u) continue;
        const meetsGoal = m.pooled.iou >= u.pooled.iou + goal - 1e-12;
        rows.push({ ...compare(m, u), versus, goal, meetsGoal });
      }
      return rows;
    }),
    transposedVsBilinear: transposed && bilinear ? compare(transposed, bilinear) : null,
  };
}
