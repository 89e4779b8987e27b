// One heatmap per model and output channel. A model's tumour channel (the default, and the only
// one of single-output models) is keyed by the bare model id, so every existing key, store and
// IndexedDB entry is unchanged; another channel is `<model>#<channel>` (e.g. `glas-unet#gland`).
// Runs, stores, jobs, stats and exports are keyed by it; the worker is the model's (one per model).
//
// Usage:
//   heatmapKey('glas-unet', 'gland', card)      // 'glas-unet#gland'
//   heatmapKey('glas-unet', 'tumour', card)     // 'glas-unet'
//   splitHeatmapKey('glas-unet#gland')          // {model: 'glas-unet', channel: 'gland'}
//   keyChannel('glas-unet#gland', card)         // {name: 'gland', index: 1}

import type { ModelCard } from '../inference/model-card';

export const CHANNEL_SEPARATOR = '#';

export function splitHeatmapKey(key: string): { model: string; channel: string | null } {
  const i = key.lastIndexOf(CHANNEL_SEPARATOR);
  return i < 0 ? { model: key, channel: null } : { model: key.slice(0, i), channel: key.slice(i + 1) };
}

/** The model id of a heatmap key. */
export const modelOfKey = (key: string): string => splitHeatmapKey(key).model;

function channelNames(card: Pick<ModelCard, 'output'>): string[] {
  return card.output.channels.map((c) => c.name);
}

function checkChannel(model: string, channel: string, card: Pick<ModelCard, 'output'>): number {
  const names = channelNames(card);
  const i = names.indexOf(channel);
  if (i < 0)
    throw new RangeError(`Model "${model}" has no output channel "${channel}" (it has ${names.join(', ')}).`);
  return i;
}

/** The key of `model`'s `channel` heatmap (the bare id for the tumour channel); throws on an unknown channel. */
export function heatmapKey(
  model: string,
  channel: string | null | undefined,
  card: Pick<ModelCard, 'output'> | null,
): string {
  const base = modelOfKey(model);
  if (!channel || !card) return base;
  checkChannel(base, channel, card);
  return channel === card.output.tumourChannel ? base : `${base}${CHANNEL_SEPARATOR}${channel}`;
}

/** The channel a key shows: its name and index into the card's channels (the tumour channel by default). */
export function keyChannel(key: string, card: Pick<ModelCard, 'output'>): { name: string; index: number } {
  const { model, channel } = splitHeatmapKey(key);
  const name = channel ?? card.output.tumourChannel;
  return { name, index: checkChannel(model, name, card) };
}
