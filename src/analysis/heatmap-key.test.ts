import { describe, expect, it } from 'vitest';
import { heatmapKey, keyChannel, splitHeatmapKey } from './heatmap-key';

const two = {
  output: { channels: [{ name: 'tumour' }, { name: 'gland' }], tumourChannel: 'tumour' },
} as never;
const one = { output: { channels: [{ name: 'tumour' }], tumourChannel: 'tumour' } } as never;

describe('heatmap keys (model + output channel)', () => {
  it('keys the tumour channel by the bare id and other channels by id#channel', () => {
    expect(heatmapKey('glas-unet', 'gland', two)).toBe('glas-unet#gland');
    expect(heatmapKey('glas-unet', 'tumour', two)).toBe('glas-unet');
    expect(heatmapKey('glas-unet#gland', 'tumour', two)).toBe('glas-unet');
    expect(heatmapKey('unet', undefined, one)).toBe('unet');
    expect(splitHeatmapKey('glas-unet#gland')).toEqual({ model: 'glas-unet', channel: 'gland' });
    expect(splitHeatmapKey('unet')).toEqual({ model: 'unet', channel: null });
  });

  it('resolves the channel index, and names the channels on an unknown one', () => {
    expect(keyChannel('glas-unet#gland', two)).toEqual({ name: 'gland', index: 1 });
    expect(keyChannel('glas-unet', two)).toEqual({ name: 'tumour', index: 0 });
    expect(keyChannel('unet', one)).toEqual({ name: 'tumour', index: 0 });
    expect(() => heatmapKey('glas-unet', 'lumen', two)).toThrow(
      'Model "glas-unet" has no output channel "lumen" (it has tumour, gland).',
    );
    expect(() => keyChannel('unet#gland', one)).toThrow(/no output channel "gland"/);
  });
});
