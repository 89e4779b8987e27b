import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseTileSize, DEFAULT_TILE_SIZE, tileSizesOf } from './model-tiles';
import { readModelCard } from './node/node-model-io';

const IDS = ['unet', 'mrn-bilinear', 'mrn-transposed', 'unet-context', 'glas-unet', 'test-tiny-unet'];
const have = IDS.every((id) => existsSync(`models/${id}/card.json`));

describe.skipIf(!have)('the default inference tile of the shipped cards', () => {
  it('is the largest tile a card offers up to 256 px, the trained patch without tiles', async () => {
    expect(DEFAULT_TILE_SIZE).toBe(256);
    const chosen: Record<string, number> = {};
    for (const id of IDS) chosen[id] = chooseTileSize(await readModelCard(`models/${id}`));
    expect(chosen).toEqual({
      unet: 256,
      'mrn-bilinear': 256,
      'mrn-transposed': 256,
      'unet-context': 64, // its larger tiles lost IoU and are not shipped
      'glas-unet': 96, // a card without tiles: its own trained patch
      'test-tiny-unet': 256,
    });
  });

  it('keeps an asked size as the upper bound (64: the trained patch)', async () => {
    const card = await readModelCard('models/mrn-bilinear');
    expect(tileSizesOf(card)).toEqual([64, 128, 256]);
    expect(chooseTileSize(card, 64)).toBe(64);
    expect(chooseTileSize(card, 128)).toBe(128);
    expect(chooseTileSize(card, 200)).toBe(128);
    expect(chooseTileSize(card, 512)).toBe(256);
    expect(chooseTileSize(card, 32)).toBe(64); // never below the trained patch
    expect(() => chooseTileSize(card, 0)).toThrow(/tile size must be positive/);
  });

  it('runs a card trained above 256 px without tiles (an import) on its own patch', async () => {
    const card = await readModelCard('models/glas-unet');
    const big = { ...card, inputs: card.inputs.map((i) => ({ ...i, size: 384 })) };
    expect(chooseTileSize(big)).toBe(384);
    expect(chooseTileSize(big, 64)).toBe(384);
  });
});
