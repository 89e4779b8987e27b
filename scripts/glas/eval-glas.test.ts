// `npm run eval:glas` on bad GlaS-style folders, as a user runs it (the CLI in a child process): a
// mask of the wrong size, an unknown grade and a missing mask each stop it with exit code 2 and one
// message naming the file, before any model is loaded, and nothing on stdout (no JSON document).
// Settings are chosen on the validation split only: a sweep of another split, or settings from a
// run that was not a validation sweep, are refused the same way.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { glasFolders } from './glas-folder.fixture';

const ROOT = resolve(import.meta.dirname, '../..');
const folders = glasFolders('glas-eval-');
const folder = folders.folder;
afterAll(folders.cleanup);

async function evalGlas(
  dir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/glas/eval-glas.ts'), '--data', dir, ...args],
      { cwd: ROOT, timeout: 60_000 },
    );
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const HEADER = 'name,patient_id,grade_glas,grade_sirinukunwattana\n';

describe('npm run eval:glas on a bad folder', () => {
  it('names the file of a wrong-size mask, an unknown grade and a missing mask, and exits 2', async () => {
    const wrongSize = folder(
      `${HEADER}a,1,benign,x\nb,1,malignant,x\n`,
      { a: [8, 6], b: [8, 6] },
      { a: [8, 6], b: [8, 5] },
    );
    const badGrade = folder(
      `${HEADER}a,1,benign,x\nb,2,adenoma,x\n`,
      { a: [8, 6], b: [8, 6] },
      { a: [8, 6], b: [8, 6] },
    );
    const noMask = folder(
      `${HEADER}a,1,benign,x\nb,2,malignant,x\n`,
      { a: [8, 6], b: [8, 6] },
      { a: [8, 6] },
    );
    const [size, grade, missing] = await Promise.all([wrongSize, badGrade, noMask].map((d) => evalGlas(d)));
    for (const r of [size, grade, missing]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(size.stderr.trim()).toBe(`${join(wrongSize, 'mask', 'b.png')}: mask is 8×5 px, its image 8×6`);
    expect(grade.stderr).toContain(join(badGrade, 'Grade.csv'));
    expect(grade.stderr).toMatch(/line 3: unknown grade "adenoma" for b/);
    expect(missing.stderr).toContain(`${join(noMask, 'mask', 'b.png')}: missing: b has no mask`);
  }, 90_000);
});

describe('npm run eval:glas settings chosen on validation only', () => {
  it('refuses a sweep outside --split val, and settings from a run that was not a validation sweep', async () => {
    const notVal = join(tmpdir(), `glas-eval-settings-${process.pid}.json`);
    writeFileSync(notVal, `log line\n${JSON.stringify({ split: 'all', models: [] })}\n`);
    const [sweep, settings] = await Promise.all([
      evalGlas('/nonexistent', '--sweep'),
      evalGlas('/nonexistent', '--settings', notVal),
    ]);
    for (const r of [sweep, settings]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(sweep.stderr.trim()).toBe(
      '--sweep chooses settings on the validation split only: give --split val',
    );
    expect(settings.stderr.trim()).toBe(
      `${notVal}: its settings were not chosen on the validation split (split all)`,
    );
  }, 90_000);
});
