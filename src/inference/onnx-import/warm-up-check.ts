// The one warm-up run that admits a converted model: the graph is loaded as TF.js will run it,
// checked against the card (input names and shapes, the output and its channel count, the tumour
// channel's index), then run once on a zero batch, whose output must have the card's shape and be
// finite. Any problem throws a ModelCardError naming it. Runs in the conversion worker (cpu).
//
// Usage: const r = await warmUpCheck(converted.modelJson, converted.weights, card);

import * as tf from '@tensorflow/tfjs';
import {
  type ModelCard,
  ModelCardError,
  tumourChannelIndex,
  validateModelAgainstCard,
  validateOutputShape,
} from '../model-card';
import { artifactsOf } from './graph-artifacts';

export interface WarmUpResult {
  ms: number;
  outputShape: number[];
  /** smallest and largest value of the warm-up output */
  range: [number, number];
}

const base = (n: string) => n.replace(/:0$/, '');

export async function warmUpCheck(
  modelJson: Record<string, unknown>,
  weights: Uint8Array,
  card: ModelCard,
): Promise<WarmUpResult> {
  const t0 = performance.now();
  const model = await tf.loadGraphModel(tf.io.fromMemory(artifactsOf(modelJson, weights)));
  try {
    validateModelAgainstCard(model, card);
    const out = model.outputs.find((o) => base(o.name) === card.output.name)!;
    const channels = out.shape?.[out.shape.length - 1] ?? -1;
    const index = tumourChannelIndex(card);
    if (index < 0 || (channels > 0 && index >= channels))
      throw new ModelCardError(
        `model "${card.id}": tumour channel "${card.output.tumourChannel}" (index ${index}) is not in the output's ${channels} channel(s)`,
      );
    const batch = card.batchSize === -1 ? 1 : card.batchSize;
    const feeds: Record<string, tf.Tensor> = {};
    for (const i of card.inputs) feeds[i.name] = tf.zeros([batch, i.size, i.size, i.channels]);
    let y: tf.Tensor | undefined;
    try {
      y = model.execute(feeds, out.name) as tf.Tensor;
      validateOutputShape(y.shape, card, batch);
      const data = (await y.data()) as Float32Array;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of data) {
        if (!Number.isFinite(v))
          throw new ModelCardError(`model "${card.id}": the warm-up run gave a non-finite value (${v})`);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      return { ms: Math.round(performance.now() - t0), outputShape: y.shape, range: [lo, hi] };
    } finally {
      tf.dispose(Object.values(feeds));
      y?.dispose();
    }
  } finally {
    model.dispose();
  }
}
