import { beforeEach, describe, expect, it } from 'vitest';
import { getAnalysis } from '../analysis-store';
import { getState } from '../app-store';
import { fakeEngine, patternEntry, resetStores, until } from './analysis-fakes.fixture';
import { ModelRuntimes } from './model-runtimes';
import { notifyUser } from './notify';

describe('ModelRuntimes (fake engine)', () => {
  beforeEach(resetStores);

  it('lists the models once, picks defaults, and keeps one worker per model and backend', async () => {
    const engine = fakeEngine([patternEntry('a'), patternEntry('b')]);
    const stopped: string[] = [];
    const rt = new ModelRuntimes(engine, '/models/', notifyUser, (id) => stopped.push(id));
    await rt.loadModels();
    expect(getAnalysis().models.map((m) => m.id)).toEqual(['a', 'b']);
    expect(getAnalysis().model).toBe('a');
    const h1 = await rt.runtime('a', 'wasm');
    expect(await rt.runtime('a', 'wasm')).toBe(h1);
    expect(engine.started).toHaveLength(1);
    // the card the model list read goes with the start: the worker does not fetch card.json again
    expect(JSON.parse(engine.cards[0]!)).toEqual(getAnalysis().models[0].card);
    expect(getAnalysis().runtimes.a).toMatchObject({ status: 'ready', backend: 'wasm' });
    // another backend: the old worker's runs are cancelled and it is terminated
    await rt.runtime('a', 'cpu');
    expect(stopped).toEqual(['a']);
    await until(() => engine.terminated === 1);
    await expect(rt.runtime('nope')).rejects.toThrow(/No model "nope"; have a, b/);
    await until(() => getAnalysis().runtimes.nope?.status === 'error');
    expect(getState().notice?.message).toMatch(/Model "nope" could not be loaded/);
  });

  it('restarts a worker for another tile size and passes the size to the engine', async () => {
    const engine = fakeEngine([patternEntry('a')]);
    const stopped: string[] = [];
    const rt = new ModelRuntimes(engine, '/models/', notifyUser, (id) => stopped.push(id));
    const h64 = await rt.runtime('a', 'wasm', 64);
    expect(await rt.runtime('a', 'wasm', 64)).toBe(h64);
    expect(engine.started).toEqual([{ url: expect.any(String), backend: 'wasm', tileSize: 64 }]);
    await rt.runtime('a', 'wasm', null);
    expect(stopped).toEqual(['a']);
    expect(engine.started.map((s) => s.tileSize)).toEqual([64, null]);
  });

  it('a worker stopped while loading settles (rejects) instead of hanging', async () => {
    const engine = fakeEngine([patternEntry('a')]);
    engine.startInference = () => new Promise(() => {}); // never loads
    const rt = new ModelRuntimes(engine, '/models/', notifyUser, () => {});
    const loading = rt.runtime('a', 'wasm');
    await until(() => getAnalysis().runtimes.a?.status === 'loading');
    await new Promise((r) => setTimeout(r, 20));
    rt.stopAll();
    await expect(loading).rejects.toThrow(/model stopped/);
    expect(getAnalysis().runtimes).toEqual({});
  });

  it('adds a model from a URL with its card, replacing one of the same id', async () => {
    const engine = fakeEngine([patternEntry('a')]);
    const rt = new ModelRuntimes(engine, '/models/', notifyUser, () => {});
    const card = { ...patternEntry('extra').card };
    expect(await rt.addModel('https://host/m/model.json', JSON.stringify(card))).toBe('extra');
    expect(getAnalysis().models.map((m) => m.id)).toEqual(['a', 'extra']);
    await rt.runtime('extra', 'wasm');
    expect(engine.started.at(-1)?.url).toBe('https://host/m/model.json');
    await expect(rt.addModel('https://host/n/')).rejects.toThrow(/No card.json next to/);
  });
});
