// planJobs and the cascade: MRN models get the 4 µm/px screen from the models folder (the viewer's
// rule, cascadeScreenFor), models without one (the U-Nets, test models) get none, `cascade: false`
// gives none, and a job with a screen has its own key (its outputs differ from MRN everywhere).
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveModel } from './batch-models';
import { planJobs, screenRefFor } from './plan-jobs';
import { keyOf } from './slide-job';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plan-jobs-'));
  writeFileSync(join(dir, 'a.tiff'), 'planning only stats the file');
});

describe('planJobs with the cascade', () => {
  it('gives MRN models the screen, others none; --cascade 0 none; own keys', async () => {
    const models = ['mrn-bilinear', 'unet', 'test-tiny-mrn'];
    const on = await planJobs({ inputs: [join(dir, 'a.tiff')], models, out: join(dir, 'out') });
    const off = await planJobs({
      inputs: [join(dir, 'a.tiff')],
      models,
      out: join(dir, 'out'),
      cascade: false,
    });
    const screen = await resolveModel('unet-context');
    expect(on.jobs.map((j) => j.screen?.id ?? null)).toEqual(['unet-context', null, null]);
    expect(on.jobs[0].screen).toEqual(screen);
    expect(off.jobs.map((j) => j.screen ?? null)).toEqual([null, null, null]);
    expect(keyOf(on.jobs[0])).not.toBe(keyOf(off.jobs[0]));
    // no screen: the key is the one batch always gave
    expect(keyOf(on.jobs[1])).toBe(keyOf(off.jobs[1]));
    // a models folder without the screen: no cascade
    expect(await screenRefFor(on.models[0], dir)).toBeNull();
  });
});
