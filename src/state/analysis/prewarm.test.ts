import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../analysis/model-index';
import { parseModelCardText } from '../../inference/model-card';
import type { PrewarmInfo } from '../analysis-store';
import { Prewarm, type PrewarmDeps, prewarmTargets } from './prewarm';

const entry = (id: string): ModelEntry => ({
  id,
  url: `/models/${id}/`,
  card: parseModelCardText(readFileSync(`models/${id}/card.json`, 'utf8')),
  error: null,
});
const MODELS = ['unet', 'unet-context', 'mrn-bilinear', 'glas-unet'].map(entry);

describe('prewarmTargets', () => {
  it('is the screen first, then the model; the model alone without a screen or with the setting off', () => {
    expect(prewarmTargets('mrn-bilinear', MODELS, true)).toEqual(['unet-context', 'mrn-bilinear']);
    expect(prewarmTargets('unet', MODELS, true)).toEqual(['unet-context', 'unet']);
    expect(prewarmTargets('unet', MODELS, false)).toEqual(['unet']);
    expect(prewarmTargets('glas-unet', MODELS, true)).toEqual(['glas-unet']);
    expect(prewarmTargets('nope', MODELS, true)).toEqual([]);
    expect(prewarmTargets(null, MODELS, true)).toEqual([]);
  });

  it('in compare mode the right model too, after the left, each target once', () => {
    expect(prewarmTargets('unet', MODELS, true, 'mrn-bilinear')).toEqual([
      'unet-context',
      'unet',
      'mrn-bilinear',
    ]);
    expect(prewarmTargets('unet', MODELS, false, 'mrn-bilinear')).toEqual(['unet', 'mrn-bilinear']);
    expect(prewarmTargets('glas-unet', MODELS, true, 'mrn-bilinear')).toEqual([
      'glas-unet',
      'unet-context',
      'mrn-bilinear',
    ]);
    expect(prewarmTargets('unet', MODELS, true, 'unet')).toEqual(['unet-context', 'unet']);
    expect(prewarmTargets('unet', MODELS, true, 'nope')).toEqual(['unet-context', 'unet']);
  });
});

/** A deferred promise. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Fakes: the idle wait and each model's load resolve when the test says. */
function harness(targets = ['unet-context', 'mrn-bilinear'], enabled = true) {
  const idle = deferred();
  const loads = new Map<string, ReturnType<typeof deferred<unknown>>>();
  const warmed: string[] = [];
  const released: string[] = [];
  const published: PrewarmInfo[] = [];
  let idleAborted = false;
  let t = 0;
  const deps: PrewarmDeps = {
    enabled: () => enabled,
    targets: async () => targets,
    warm: (id) => {
      warmed.push(id);
      const d = deferred<unknown>();
      loads.set(id, d);
      return d.promise;
    },
    release: (id) => released.push(id),
    idle: (signal) => {
      signal.addEventListener('abort', () => {
        idleAborted = true;
        idle.reject(signal.reason);
      });
      return idle.promise;
    },
    publish: (info) => published.push(info),
    now: () => t,
  };
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return {
    prewarm: new Prewarm(deps),
    idle,
    loads,
    warmed,
    released,
    published,
    idleAborted: () => idleAborted,
    advance: (ms: number) => {
      t += ms;
    },
    tick,
  };
}

describe('Prewarm', () => {
  it('waits for idle, then warms the targets one after the other and reports the time', async () => {
    const h = harness();
    const done = h.prewarm.schedule();
    await h.tick();
    expect(h.warmed).toEqual([]); // not before the page is idle
    expect(h.prewarm.current.state).toBe('waiting');
    h.idle.resolve();
    await h.tick();
    expect(h.warmed).toEqual(['unet-context']); // the screen first, alone
    h.advance(1200);
    h.loads.get('unet-context')!.resolve({});
    await h.tick();
    expect(h.warmed).toEqual(['unet-context', 'mrn-bilinear']);
    h.advance(800);
    h.loads.get('mrn-bilinear')!.resolve({});
    await done;
    expect(h.prewarm.current).toMatchObject({
      enabled: true,
      state: 'done',
      models: ['unet-context', 'mrn-bilinear'],
      ready: ['unet-context', 'mrn-bilinear'],
      ms: 2000,
      modelMs: { 'unet-context': 1200, 'mrn-bilinear': 800 },
    });
    expect(h.released).toEqual([]);
    expect(h.published.at(-1)).toBe(h.prewarm.current);
  });

  it('gives way to a run: the load in flight is released, nothing more starts', async () => {
    const h = harness();
    const done = h.prewarm.schedule();
    h.idle.resolve();
    await h.tick();
    h.loads.get('unet-context')!.resolve({});
    await h.tick();
    expect(h.warmed).toEqual(['unet-context', 'mrn-bilinear']);
    h.prewarm.yieldTo();
    await done;
    expect(h.released).toEqual(['mrn-bilinear']); // the runtime keeps it if the run asked for it
    expect(h.prewarm.current).toMatchObject({ state: 'yielded', ready: ['unet-context'] });
    h.loads.get('mrn-bilinear')!.resolve({}); // finishing late changes nothing
    await h.tick();
    expect(h.prewarm.current.state).toBe('yielded');
    h.prewarm.yieldTo(); // a second run: nothing to stop
    expect(h.released).toEqual(['mrn-bilinear']);
  });

  it('a run before the page is idle: nothing is loaded at all', async () => {
    const h = harness();
    const done = h.prewarm.schedule();
    await h.tick();
    h.prewarm.yieldTo();
    await done;
    expect(h.idleAborted()).toBe(true);
    expect(h.warmed).toEqual([]);
    expect(h.prewarm.current.state).toBe('yielded');
  });

  it('cancel (slide closed) aborts; a new schedule supersedes the old one', async () => {
    const h = harness();
    const first = h.prewarm.schedule();
    h.idle.resolve();
    await h.tick();
    expect(h.warmed).toEqual(['unet-context']);
    h.prewarm.cancel();
    await first;
    expect(h.released).toEqual(['unet-context']);
    expect(h.prewarm.current.state).toBe('aborted');
    // the old loop does not go on to the model when its load settles
    h.loads.get('unet-context')!.resolve({});
    await h.tick();
    expect(h.warmed).toEqual(['unet-context']);
  });

  it('a failed load is reported, not thrown', async () => {
    const h = harness();
    const done = h.prewarm.schedule();
    h.idle.resolve();
    await h.tick();
    h.loads.get('unet-context')!.reject(new Error('HTTP 404'));
    await done;
    expect(h.prewarm.current).toMatchObject({ state: 'error', error: 'HTTP 404', ready: [] });
  });

  it('a worker stopped under it (new backend chosen) is aborted, not an error', async () => {
    const h = harness();
    const done = h.prewarm.schedule();
    h.idle.resolve();
    await h.tick();
    h.loads.get('unet-context')!.reject(new DOMException('model stopped', 'AbortError'));
    await done;
    expect(h.prewarm.current).toMatchObject({ state: 'aborted', error: null });
    expect(h.warmed).toEqual(['unet-context']);
  });

  it('off: nothing waits or loads', async () => {
    const h = harness(undefined, false);
    await h.prewarm.schedule();
    expect(h.warmed).toEqual([]);
    expect(h.prewarm.current).toMatchObject({ enabled: false, state: 'off' });
  });
});
