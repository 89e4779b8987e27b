// The engine runs the optimised graph by default (fused convs) and the graph
// as exported with `optimize: false`; both give the same probabilities on a real MRN graph.
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from './engine';
import { loadModelDir } from './node/load-model-dir';

describe('engine optimize (wasm, test-tiny-mrn)', () => {
  const engines: Engine[] = [];
  afterEach(() => {
    for (const e of engines.splice(0)) e.dispose();
  });

  it('fuses the graph by default and matches the graph as exported', async () => {
    const model = await loadModelDir('models/test-tiny-mrn', { tileSize: 64 });
    const feeds: Record<string, Float32Array> = {};
    model.spec.inputs.forEach((input, k) => {
      const a = new Float32Array(2 * input.size * input.size * input.channels);
      for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 0.013 + k) * 2;
      feeds[input.name] = a;
    });
    const outputs: Float32Array[] = [];
    for (const optimize of [true, false]) {
      const engine = createEngine({ backend: 'wasm', batchSize: 2, optimize });
      engines.push(engine);
      const decision = await engine.load(model.artifacts, model.spec);
      expect(decision.fusedConvs).toBe(optimize ? 27 : 0);
      outputs.push(await engine.predict(feeds, 2));
    }
    const [fused, plain] = outputs;
    expect(fused.length).toBe(plain.length);
    let maxDiff = 0;
    for (let i = 0; i < plain.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fused[i] - plain[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(Math.max(...plain) - Math.min(...plain)).toBeGreaterThan(1e-3);
  });
});
