// npm run bench -- glas-sweep [--scenes 3] [--glands 12]: what `eval:glas --split val --sweep`
// spends per image on its 45 instance settings, the shared-work path (src/glas/instance-sweep.ts)
// against one glandInstances + imageObjectTotals per setting, on synthetic gland scenes of a GlaS
// image's size (775 × 522 px; src/glas/glas-probability-scene.fixture.ts: no GlaS pixels). The two
// are timed interleaved per scene in CPU time (process.cpuUsage: one thread, so a loaded machine's
// waits do not count) and their totals compared for equality.

import { isDeepStrictEqual, parseArgs } from 'node:util';
import { glandInstances } from '../src/glas/gland-instances';
import { probabilityScene } from '../src/glas/glas-probability-scene.fixture';
import { SWEEP_GRID, sweepObjectTotals } from '../src/glas/instance-sweep';
import { imageObjectTotals } from '../src/glas/object-metrics';

const cpuMs = (f: () => unknown) => {
  const c0 = process.cpuUsage();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, ms: (c.user + c.system) / 1000 };
};

export async function run(argv: string[]) {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== 'glas-sweep'),
    options: { scenes: { type: 'string', default: '3' }, glands: { type: 'string', default: '12' } },
    strict: false,
  });
  const W = 775;
  const H = 522;
  const scenes: {
    seed: number;
    directCpuMs: number;
    sharedCpuMs: number;
    speedup: number;
    falsePositives: number[];
    identical: boolean;
  }[] = [];
  for (let seed = 1; seed <= Number(values.scenes); seed++) {
    const s = probabilityScene(seed, W, H, Number(values.glands));
    const direct = cpuMs(() =>
      SWEEP_GRID.map((o) => imageObjectTotals(glandInstances(s.probability, W, H, o), s.truth)),
    );
    const shared = cpuMs(() => sweepObjectTotals(s.probability, W, H, s.truth, SWEEP_GRID));
    const same = isDeepStrictEqual(direct.value, shared.value);
    if (!same)
      throw new Error(`scene ${seed}: the shared-work sweep's totals differ from the per-setting path`);
    const fp = (direct.value as { fp: number }[]).map((t) => t.fp);
    scenes.push({
      seed,
      directCpuMs: Math.round(direct.ms),
      sharedCpuMs: Math.round(shared.ms),
      speedup: Math.round((direct.ms / shared.ms) * 10) / 10,
      falsePositives: [Math.min(...fp), Math.max(...fp)],
      identical: same,
    });
    console.error(`[glas-sweep] scene ${seed}: ${direct.ms.toFixed(0)} vs ${shared.ms.toFixed(0)} CPU-ms`);
  }
  const sum = (k: 'directCpuMs' | 'sharedCpuMs') => scenes.reduce((n, s) => n + s[k], 0);
  return {
    image: [W, H],
    settings: SWEEP_GRID.length,
    scenes,
    directCpuMsPerImage: Math.round(sum('directCpuMs') / scenes.length),
    sharedCpuMsPerImage: Math.round(sum('sharedCpuMs') / scenes.length),
    speedup: Math.round((sum('directCpuMs') / sum('sharedCpuMs')) * 10) / 10,
  };
}
