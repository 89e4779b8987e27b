import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModelDirs, pickModels } from './model-dirs';

describe('model directories', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'model-dirs-'));
    cpSync('models/test-tiny-unet', join(root, 'test-tiny-unet'), { recursive: true });
    cpSync('models/test-tiny-mrn', join(root, 'test-tiny-mrn'), { recursive: true });
    // an export in progress and a folder without a card are not models
    cpSync('models/test-tiny-mrn', join(root, '.unet.tmp-123'), { recursive: true });
    mkdirSync(join(root, 'notes'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists card-holding directories, sorted, skipping dot-directories', () => {
    expect(listModelDirs(root).map((m) => m.id)).toEqual(['test-tiny-mrn', 'test-tiny-unet']);
    expect(listModelDirs(join(root, 'absent'))).toEqual([]);
  });

  it('drops test models unless asked for, and names bad ids', async () => {
    expect(await pickModels(root)).toEqual([]);
    const all = await pickModels(root, { includeTest: true });
    expect(all.map((m) => [m.id, m.card.architecture])).toEqual([
      ['test-tiny-mrn', 'mrn'],
      ['test-tiny-unet', 'unet'],
    ]);
    await expect(pickModels(root, { ids: ['test-tiny-mrn'] })).rejects.toThrow(/is a test model/);
    await expect(pickModels(root, { ids: ['unet'] })).rejects.toThrow(
      /no model 'unet' .*have: test-tiny-mrn, test-tiny-unet/,
    );
    expect((await pickModels(root, { ids: ['test-tiny-unet'], includeTest: true })).map((m) => m.id)).toEqual(
      ['test-tiny-unet'],
    );
  });
});
