import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_VAL_PATIENTS, patientSplit, sharedPatients } from '../../src/glas/glas-dataset';
import { sharedAvailable, sharedPath } from '../../src/util/node/shared-data';
import { readGlasFolder, readGlasMask } from './glas-folder';
import { glasFolders } from './glas-folder.fixture';

const GLAS = sharedPath('glas');
const folders = glasFolders('glas-');
const folder = folders.folder;
afterAll(folders.cleanup);

const HEADER = 'name,patient_id,grade_glas,grade_sirinukunwattana\n';

describe('GlaS folder reader', () => {
  it('reads a well-formed folder and its labels', async () => {
    const dir = folder(
      `${HEADER}a,1,benign,healthy\nb,2,malignant,x\n`,
      { a: [8, 6], b: [8, 6] },
      { a: [8, 6], b: [8, 6] },
    );
    const items = await readGlasFolder(dir);
    expect(items.map((i) => [i.name, i.patientId, i.grade, i.width, i.height])).toEqual([
      ['a', '1', 'benign', 8, 6],
      ['b', '2', 'malignant', 8, 6],
    ]);
    expect(readGlasMask(items[0]).data[0]).toBe(1);
  });

  it('names the file when a mask is missing', async () => {
    const dir = folder(`${HEADER}a,1,benign,x\nb,1,benign,x\n`, { a: [8, 6], b: [8, 6] }, { a: [8, 6] });
    await expect(readGlasFolder(dir)).rejects.toThrow(/mask[/\\]b\.png: missing: b has no mask/);
  });

  it('names the mask whose size differs from its image', async () => {
    const dir = folder(`${HEADER}a,1,benign,x\n`, { a: [8, 6] }, { a: [8, 5] });
    await expect(readGlasFolder(dir)).rejects.toThrow(/a\.png: mask is 8×5 px, its image 8×6/);
  });

  it('names Grade.csv and the line of an unknown grade', async () => {
    const dir = folder(
      `${HEADER}a,1,benign,x\nb,1,adenoma,x\n`,
      { a: [8, 6], b: [8, 6] },
      { a: [8, 6], b: [8, 6] },
    );
    await expect(readGlasFolder(dir)).rejects.toThrow(/Grade\.csv: line 3: unknown grade "adenoma" for b/);
  });

  it('names a missing column and an image that Grade.csv does not list', async () => {
    const noGrade = folder('name,patient_id\na,1\n', { a: [8, 6] }, { a: [8, 6] });
    await expect(readGlasFolder(noGrade)).rejects.toThrow(/Grade\.csv: no "grade_glas" column/);
    const extra = folder(`${HEADER}a,1,benign,x\n`, { a: [8, 6], z: [8, 6] }, { a: [8, 6] });
    await expect(readGlasFolder(extra)).rejects.toThrow(/z\.png: not listed in/);
  });

  it.skipIf(!sharedAvailable('GlaS folder reader on the real data', 'glas'))(
    'reads ../shared/glas and splits training by patient',
    async () => {
      const train = await readGlasFolder(join(GLAS, 'train'));
      const testA = await readGlasFolder(join(GLAS, 'testA'));
      expect(train).toHaveLength(85);
      expect(testA).toHaveLength(60);
      expect(train.filter((r) => r.grade === 'malignant')).toHaveLength(48);
      const { train: tr, val } = patientSplit(train, DEFAULT_VAL_PATIENTS);
      expect(val).toHaveLength(21);
      expect(tr).toHaveLength(64);
      expect(sharedPatients(tr, val)).toEqual([]);
      expect(new Set(val.map((r) => r.grade))).toEqual(new Set(['benign', 'malignant']));
      // the challenge's own split: most of test part A's patients are training patients too
      expect(sharedPatients(train, testA).length).toBeGreaterThanOrEqual(8);
      const m = readGlasMask(testA[0]);
      expect([m.width, m.height]).toEqual([testA[0].width, testA[0].height]);
    },
  );
});
