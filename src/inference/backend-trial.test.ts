import { describe, expect, it } from 'vitest';
import { pickFastest, runTrials, type TrialTiming, trialBudget, trialOrder } from './backend-trial';
import type { BackendName } from './backend-types';

const ALL: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** A fake runner: each backend "takes" the given ms; over its budget it is cut off, as the watchdog does. */
function fakeRunner(ms: Partial<Record<BackendName, number | 'fail'>>) {
  const calls: [BackendName, number][] = [];
  let clock = 0;
  const run = async (name: BackendName, budgetMs: number): Promise<TrialTiming> => {
    calls.push([name, budgetMs]);
    const t = ms[name];
    if (t === 'fail' || t === undefined) return { backend: name, ok: false, error: 'no adapter' };
    if (t > budgetMs) {
      clock += budgetMs;
      return { backend: name, ok: false, cutOff: true, trialMs: budgetMs };
    }
    clock += t;
    return { backend: name, ok: true, msPerBatch: t / 3, trialMs: t };
  };
  return { run, calls, elapsed: () => clock };
}

describe('auto backend trial', () => {
  it('tries wasm first, GPU backends next, cpu last', () => {
    expect(trialOrder(ALL)).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(trialOrder(['cpu', 'webgl'])).toEqual(['webgl', 'cpu']);
  });

  it('bounds each trial to about a second', () => {
    expect(trialBudget('webgpu')).toBe(1000);
    expect(trialBudget('wasm')).toBe(1000);
    expect(trialBudget('webgl', { budgetMs: 700 })).toBe(700);
  });

  it('software adapters (tens of seconds to compile) are cut off: the whole trial stays near 3 s', async () => {
    const r = fakeRunner({ wasm: 900, webgpu: 30_000, webgl: 15_000, cpu: 5000 });
    const { chosen, timings } = await runTrials(ALL, r.run);
    expect(chosen).toBe('wasm');
    expect(timings.map((t) => [t.backend, t.ok, t.cutOff ?? false])).toEqual([
      ['wasm', true, false],
      ['webgpu', false, true],
      ['webgl', false, true],
    ]);
    expect(r.calls.map((c) => c[0])).not.toContain('cpu');
    expect(r.elapsed()).toBeLessThanOrEqual(3000);
  });

  it('a fast GPU wins', async () => {
    const r = fakeRunner({ wasm: 900, webgpu: 300, webgl: 600 });
    const { chosen } = await runTrials(ALL, r.run);
    expect(chosen).toBe('webgpu');
  });

  it('cpu is tried only when nothing else runs; nothing at all gives null', async () => {
    const r = fakeRunner({ wasm: 'fail', webgpu: 'fail', webgl: 'fail', cpu: 800 });
    expect((await runTrials(ALL, r.run)).chosen).toBe('cpu');
    const none = fakeRunner({});
    const out = await runTrials(ALL, none.run);
    expect(out.chosen).toBeNull();
    expect(out.timings).toHaveLength(4);
  });

  it('a runner that throws counts as a failed trial; an abort stops the trials', async () => {
    const out = await runTrials(['wasm', 'webgl'], async (name) => {
      if (name === 'webgl') throw new Error('context lost');
      return { backend: name, ok: true, msPerBatch: 10 };
    });
    expect(out.chosen).toBe('wasm');
    expect(out.timings[1]).toMatchObject({ backend: 'webgl', ok: false, error: 'context lost' });
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(runTrials(ALL, fakeRunner({ wasm: 1 }).run, { signal: ac.signal })).rejects.toThrow('stop');
  });

  it('picks the lowest ms per batch, ties to the earlier trial, ignores failures', () => {
    expect(
      pickFastest([
        { backend: 'wasm', ok: true, msPerBatch: 50 },
        { backend: 'webgpu', ok: false, msPerBatch: 1 },
        { backend: 'webgl', ok: true, msPerBatch: 50 },
      ]),
    ).toBe('wasm');
    expect(pickFastest([])).toBeNull();
  });
});
