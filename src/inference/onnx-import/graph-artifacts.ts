// A converted model's model.json object and weight bytes as TF.js in-memory artifacts (what
// tf.loadGraphModel and the engine take), with no files or URLs involved.

import type * as tf from '@tensorflow/tfjs';

export function artifactsOf(modelJson: Record<string, unknown>, weights: Uint8Array): tf.io.ModelArtifacts {
  const manifest = modelJson.weightsManifest as tf.io.WeightsManifestConfig | undefined;
  const weightSpecs = (manifest ?? []).flatMap((g) => g.weights);
  // a copy, exactly the weights' bytes: a view's underlying buffer may be larger (or shared)
  const weightData = weights.slice().buffer as ArrayBuffer;
  return {
    modelTopology: modelJson.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    format: modelJson.format as string | undefined,
    generatedBy: modelJson.generatedBy as string | undefined,
    convertedBy: modelJson.convertedBy as string | undefined,
    weightSpecs,
    weightData,
  };
}
