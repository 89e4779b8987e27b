import { describe, expect, it } from 'vitest';
import { EARLY_WORKER_GLOBAL, earlyOpenFromName, earlyWorkerName } from '../../src/slide/early-open';
import { earlyScript } from './early-slide-worker';

interface Started {
  url: string;
  options: WorkerOptions;
  global: unknown;
}

/** Runs index.html's early script against a fake page; what it started, if anything. */
function run(search: string): Started | null {
  let started: Omit<Started, 'global'> | null = null;
  class FakeWorker {
    constructor(url: string, options: WorkerOptions) {
      started = { url, options };
    }
  }
  const window: Record<string, unknown> = {};
  new Function('window', 'location', 'Worker', 'console', earlyScript('/assets/slide-worker-x.js'))(
    window,
    { search },
    FakeWorker,
    { warn: () => {} },
  );
  const s = started as Omit<Started, 'global'> | null;
  return s ? { ...s, global: window[EARLY_WORKER_GLOBAL] } : null;
}

describe("index.html's early slide worker", () => {
  it('names the slide to open in the worker name, as early-open.ts reads it', () => {
    const slide = 'https://example.org/slides/a b.svs?token=1&x=2';
    const got = run(`?slide=${encodeURIComponent(slide)}&coalesce=0`);
    expect(got?.url).toBe('/assets/slide-worker-x.js');
    expect(got?.options.type).toBe('module');
    expect(got?.options.name).toBe(earlyWorkerName({ input: slide, coalesce: false }));
    expect(earlyOpenFromName(got!.options.name!)).toEqual({ input: slide, coalesce: false });
    expect((got!.global as { input: string }).input).toBe(slide);
    expect(earlyOpenFromName(run('?slide=%2Fdemo%2Fdemo.tiff')!.options.name!)).toEqual({
      input: '/demo/demo.tiff',
      coalesce: true,
    });
  });

  it('starts nothing without ?slide= or with ?early=0', () => {
    expect(run('')).toBeNull();
    expect(run('?slide=%2Fa.svs&early=0')).toBeNull();
  });

  it('other workers’ names are not early opens', () => {
    for (const name of ['slide', '', 'slide {', 'slide {"input":""}', 'slide null', 'inference'])
      expect(earlyOpenFromName(name), name).toBeNull();
  });
});
