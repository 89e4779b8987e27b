// glasCardAtTile: what `eval:glas --tile S` checks a tile graph against and tiles it with. The
// shipped GlaS MRN's card with a 192 px tile added (as training/export_tiles.py lists it): inputs
// and output scaled with the target, the tile's batch, the context tile at the same scale and the
// trained patch's margin kept; a size the card does not list is refused naming the sizes it offers.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { marginOf } from '../../src/geometry/patch-geometry';
import { glasCardAtTile, readGlasCard } from './glas-card';

const path = resolve(import.meta.dirname, '../../models/glas-mrn-bilinear/card.json');
const json = JSON.parse(readFileSync(path, 'utf8'));
json.tiles = [
  {
    size: 192,
    batchSize: 1,
    modelFile: 'model-192.json',
    weightFiles: ['group1-shard1of1.bin', 'model-192.shapes.bin'],
  },
];
const card = readGlasCard(JSON.stringify(json), path);

describe('glasCardAtTile', () => {
  it('scales the inputs and output with the tile and keeps the trained margin', () => {
    const { card: at, tile, geometry } = glasCardAtTile(card, 192);
    expect(tile.modelFile).toBe('model-192.json');
    expect(at.batchSize).toBe(1);
    expect(at.inputs.map((i) => [i.role, i.size, i.mpp])).toEqual([
      ['target', 192, 1.24],
      ['context', 192, 2.48],
    ]);
    expect(at.output.size).toBe(192);
    expect(at.output.channels.map((c) => c.name)).toEqual(['tumour', 'gland', 'border']);
    expect(geometry).toMatchObject({ targetSize: 192, targetMpp: 1.24, contextSize: 192, contextMpp: 2.48 });
    expect(marginOf(geometry)).toBe(12); // the 96 px patch's, not keepMarginFor(192) = 24
  });

  it('gives the trained graph at the trained size', () => {
    const { card: at, tile, geometry } = glasCardAtTile(card, 96);
    expect(tile.modelFile).toBe('model.json');
    expect(at.batchSize).toBe(8);
    expect(at.inputs.map((i) => i.size)).toEqual([96, 96]);
    expect(marginOf(geometry)).toBe(12);
  });

  it('refuses a tile the card does not list, naming the ones it does', () => {
    expect(() => glasCardAtTile(card, 128)).toThrow('has no 128 px tile (it offers 96, 192 px)');
  });
});
