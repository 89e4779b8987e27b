// The models the app offers: /models/index.json (served by the vite plugin in vite.config.ts) lists
// directories with a card.json; each card is fetched and validated, so a broken model is listed
// with its problem instead of breaking the list.
//
// Usage:
//   const models = await fetchModels('/models/', { signal });
//   const [left, right] = defaultComparePair(models);   // U-Net vs MRN ids

import { z } from 'zod';
import { type ModelCard, parseModelCardText } from '../inference/model-card';
import { errorMessage } from '../util/error-message';

export interface ModelEntry {
  id: string;
  /** directory URL holding model.json and card.json */
  url: string;
  card: ModelCard | null;
  /** why the card could not be read */
  error: string | null;
}

const indexSchema = z.object({
  models: z.array(z.object({ id: z.string().min(1), path: z.string().min(1) })),
});

/** Parses index.json text into (id, url) pairs resolved against `base`. */
export function parseModelIndex(text: string, base: string): { id: string; url: string }[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the model index is not JSON (is the models/ folder served at /models/?)');
  }
  const parsed = indexSchema.safeParse(json);
  if (!parsed.success) throw new Error(`bad model index: ${parsed.error.issues[0]?.message}`);
  const root = new URL(base, 'http://x/');
  return parsed.data.models.map((m) => {
    const dir = m.path.replace(/^models\//, '').replace(/\/?$/, '/');
    return { id: m.id, url: `${root.pathname}${dir}` };
  });
}

export async function fetchModels(
  base = '/models/',
  options: { signal?: AbortSignal; fetchImpl?: typeof fetch } = {},
): Promise<ModelEntry[]> {
  const f = options.fetchImpl ?? fetch;
  const res = await f(`${base}index.json`, { signal: options.signal, cache: 'no-store' });
  if (!res.ok) throw new Error(`cannot list models: HTTP ${res.status} for ${base}index.json`);
  const entries = parseModelIndex(await res.text(), base);
  return Promise.all(
    entries.map(async ({ id, url }): Promise<ModelEntry> => {
      try {
        const r = await f(`${url}card.json`, { signal: options.signal, cache: 'no-cache' });
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return { id, url, card: parseModelCardText(await r.text(), `${id}/card.json`), error: null };
      } catch (e) {
        if (options.signal?.aborted) throw e;
        return { id, url, card: null, error: errorMessage(e) };
      }
    }),
  );
}

/** Real (trained) models first, then test models; unusable ones last. */
export function usableModels(models: ModelEntry[]): ModelEntry[] {
  return models
    .filter((m) => m.card)
    .sort((a, b) => Number(a.card!.testModel) - Number(b.card!.testModel) || a.id.localeCompare(b.id));
}

/**
 * Default compare pair: U-Net left, MRN right. Prefers the project's names (unet, mrn-bilinear),
 * then any real model of each architecture, then test models.
 */
export function defaultComparePair(models: ModelEntry[]): [string | null, string | null] {
  const usable = usableModels(models);
  const pick = (preferred: string, arch: 'unet' | 'mrn') =>
    usable.find((m) => m.id === preferred)?.id ??
    usable.find((m) => m.card!.architecture === arch)?.id ??
    null;
  return [pick('unet', 'unet'), pick('mrn-bilinear', 'mrn')];
}

/** The model shown when the heatmap is first switched on: the MRN of the pair, else any. */
export function defaultModel(models: ModelEntry[]): string | null {
  const [unet, mrn] = defaultComparePair(models);
  return mrn ?? unet ?? usableModels(models)[0]?.id ?? null;
}

/** What a model was trained on, for the picker's groups. */
export type ModelGroup = 'GlaS colon' | 'Synthetic lymph node' | 'Other real tissue' | 'Test models';
export const MODEL_GROUPS: readonly ModelGroup[] = [
  'Synthetic lymph node',
  'GlaS colon',
  'Other real tissue',
  'Test models',
];

/** The group of a card: test models; GlaS (training.dataset 'glas'); synthetic slides; anything else. */
export function modelGroup(card: ModelCard): ModelGroup {
  if (card.testModel) return 'Test models';
  const t = card.training;
  const data = `${t?.dataset ?? ''} ${t?.data ?? ''}`;
  if (/\bglas\b/i.test(data)) return 'GlaS colon';
  if (!t || /synthetic/i.test(data)) return 'Synthetic lymph node';
  return 'Other real tissue';
}

/** Usable models by group, in MODEL_GROUPS order (empty groups left out). */
export function groupedModels(models: ModelEntry[]): { group: ModelGroup; models: ModelEntry[] }[] {
  const usable = usableModels(models);
  return MODEL_GROUPS.map((group) => ({
    group,
    models: usable.filter((m) => modelGroup(m.card!) === group),
  })).filter((g) => g.models.length > 0);
}

/**
 * The slide pixel size the model was trained at (card.training.slideMpp, e.g. 0.62 for GlaS at 20×);
 * null when the card does not say (synthetic models: their input mpp is resampled from any slide).
 */
export function trainingSlideMpp(card: ModelCard): number | null {
  const v = (card.training as Record<string, unknown> | null)?.slideMpp;
  return typeof v === 'number' && v > 0 ? v : null;
}

/** Far: more than 1.5× apart (20× vs 40× is 2×, which resampling does not make up for in stain and blur). */
export const MPP_FAR_RATIO = 1.5;

/** A sentence when the slide's mpp is far from the one the model was trained at; null when near or unknown. */
export function mppWarning(card: ModelCard, slideMpp: number | null | undefined): string | null {
  const trained = trainingSlideMpp(card);
  if (!trained || !slideMpp || !(slideMpp > 0)) return null;
  const ratio = Math.max(trained / slideMpp, slideMpp / trained);
  if (ratio <= MPP_FAR_RATIO) return null;
  return `${card.name} was trained on ${trained} µm/px slides; this slide is ${+slideMpp.toFixed(3)} µm/px (${ratio.toFixed(1)}× apart), so its heatmap may not mean much here.`;
}
