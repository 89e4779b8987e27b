import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from './engine';
import { tinyGraphArtifacts, tinyGraphSpec } from './tiny-graph.fixture';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('inference engine (Node: cpu + wasm)', () => {
  let engine: Engine | null = null;
  afterEach(() => {
    engine?.dispose();
    engine = null;
  });

  it('auto mode times wasm first and skips cpu once wasm works', async () => {
    engine = createEngine({ backend: 'auto', batchSize: 4, timingRuns: 2 });
    const decision = await engine.load(tinyGraphArtifacts(), tinyGraphSpec());
    expect(decision.timings.map((t) => [t.backend, t.ok])).toEqual([['wasm', true]]);
    expect(decision.timings[0].msPerBatch).toBeGreaterThan(0);
    expect(decision.timings[0].trialMs).toBeGreaterThanOrEqual(decision.timings[0].msPerBatch!);
    expect(decision.chosen).toBe('wasm');
    expect(engine.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // Node's wasm backend runs one thread; the page is not cross-origin isolated
    expect(decision.threads).toBe(1);
    expect(decision.isolated).toBe(false);
    expect(decision.remembered).toBe(false);
  });

  it('auto mode falls back to cpu when wasm cannot run, and a trial/commit sequence settles', async () => {
    engine = createEngine({ backend: 'auto', batchSize: 4, candidates: ['cpu'] });
    const decision = await engine.load(tinyGraphArtifacts(), tinyGraphSpec());
    expect(decision.chosen).toBe('cpu');
    expect(decision.threads).toBe(1);
    engine.dispose();
    engine = createEngine({ backend: 'auto', batchSize: 4 });
    engine.prepare(tinyGraphArtifacts(), tinyGraphSpec());
    const cpu = await engine.trial('cpu', 50);
    const wasm = await engine.trial('wasm', 50);
    expect([cpu.ok, wasm.ok]).toEqual([true, true]);
    // commit to the one trialled first: rebuilt there, without a second timing
    const d = await engine.commit('cpu', 'auto', [cpu, wasm]);
    expect(d.chosen).toBe('cpu');
    expect(d.timings).toHaveLength(2);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('computes the graph on each backend and pads a short batch', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      engine = createEngine({ backend, batchSize: 4 });
      await engine.load(
        tinyGraphArtifacts({ withContext: true, bias: 0.1 }),
        tinyGraphSpec({ withContext: true }),
      );
      expect(engine.backend).toBe(backend);
      const n = 64 * 64 * 3;
      const target = new Float32Array(3 * n);
      const context = new Float32Array(3 * n);
      for (let i = 0; i < target.length; i++) target[i] = ((i * 7919) % 255) / 255;
      context.fill(0.5, n, 2 * n); // patch 1 context mean 0.5
      const out = await engine.predict({ target, context }, 3);
      expect(out.length).toBe(3 * 64 * 64);
      for (const [patch, px] of [
        [0, 0],
        [1, 100],
        [2, 4095],
      ]) {
        const k = patch * n + px * 3;
        const logit =
          0.5 * target[k] - 0.25 * target[k + 1] + 0.125 * target[k + 2] + 0.1 + (patch === 1 ? 0.5 : 0);
        expect(out[patch * 4096 + px]).toBeCloseTo(sigmoid(logit), 5);
      }
      engine.dispose();
    }
  });

  it('refuses a model whose signature does not match the card', async () => {
    engine = createEngine({ backend: 'cpu', batchSize: 2 });
    const spec = tinyGraphSpec({ withContext: true });
    await expect(engine.load(tinyGraphArtifacts(), spec)).rejects.toThrow(/no input 'context'/);
    const wrongSize = { ...tinyGraphSpec(), inputs: [{ name: 'target', size: 32, channels: 3, mpp: 1 }] };
    await expect(engine.load(tinyGraphArtifacts(), wrongSize)).rejects.toThrow(/card says \[B,32,32,3\]/);
  });

  it('keeps tf.memory().numTensors flat over 1,000 patches', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      engine = createEngine({ backend, batchSize: 8 });
      await engine.load(tinyGraphArtifacts({ withContext: true }), tinyGraphSpec({ withContext: true }));
      const target = new Float32Array(8 * 64 * 64 * 3).fill(0.3);
      const context = new Float32Array(8 * 64 * 64 * 3).fill(0.6);
      await engine.predict({ target, context }, 8);
      const before = tf.memory().numTensors;
      const beforeBytes = tf.memory().numBytes;
      for (let done = 0; done < 1000; done += 8) {
        await engine.predict({ target, context }, Math.min(8, 1000 - done));
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.memory().numBytes).toBe(beforeBytes);
      engine.dispose();
    }
  });

  it('falls back to the next backend after a loss', async () => {
    engine = createEngine({ backend: 'wasm', batchSize: 2, candidates: ['wasm', 'cpu'] });
    await engine.load(tinyGraphArtifacts(), tinyGraphSpec());
    expect(engine.backend).toBe('wasm');
    const next = await engine.fallback();
    expect(next).toBe('cpu');
    expect(engine.decision?.lost).toEqual(['wasm']);
    const out = await engine.predict({ target: new Float32Array(2 * 64 * 64 * 3) }, 1);
    expect(out[0]).toBeCloseTo(0.5, 6);
  });
});
