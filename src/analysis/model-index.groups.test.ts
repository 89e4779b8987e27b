import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelCardText } from '../inference/model-card';
import { groupedModels, modelGroup, mppWarning } from './model-index';

const ROOT = path.resolve(import.meta.dirname, '../..');
const card = (id: string) =>
  parseModelCardText(readFileSync(path.join(ROOT, 'models', id, 'card.json'), 'utf8'), id);

describe('model picker groups and the mpp warning', () => {
  it('groups the shipped models by what they were trained on', () => {
    expect(modelGroup(card('glas-unet'))).toBe('GlaS colon');
    expect(modelGroup(card('mrn-bilinear'))).toBe('Synthetic lymph node');
    expect(modelGroup(card('test-tiny-unet'))).toBe('Test models');
    const entries = ['unet', 'glas-unet', 'test-tiny-mrn'].map((id) => ({
      id,
      url: '',
      card: card(id),
      error: null,
    }));
    expect(groupedModels(entries).map((g) => [g.group, g.models.map((m) => m.id)])).toEqual([
      ['Synthetic lymph node', ['unet']],
      ['GlaS colon', ['glas-unet']],
      ['Test models', ['test-tiny-mrn']],
    ]);
  });

  it('warns when the slide is far from the training mpp (GlaS: 0.62), not when near or unknown', () => {
    const g = card('glas-unet');
    expect(mppWarning(g, 0.62)).toBeNull();
    expect(mppWarning(g, 0.5)).toBeNull();
    expect(mppWarning(g, 0.25)).toMatch(
      /trained on 0.62 µm\/px slides; this slide is 0.25 µm\/px \(2.5× apart\)/,
    );
    expect(mppWarning(g, null)).toBeNull();
    expect(mppWarning(card('unet'), 0.25)).toBeNull();
  });
});
