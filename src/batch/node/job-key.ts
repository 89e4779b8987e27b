// Identities and keys of batch jobs: a job is one slide (its source, size and modification time or
// ETag) with one model (its id and a hash of its files). Re-running the same slide with the same
// model gives the same key, so BullMQ deduplicates it and the output folder can be skipped.
//
// Usage:
//   const key = jobKey(slide.identity, { id: 'unet', version: 'a1b2c3d4e5f6' });  // 'j' + 32 hex
//   jobKey(slide.identity, mrn, { id: 'unet-context', version: '…' })   // with the cascade's screen: another key
//   shortHash('/data/a/slide.svs')   // 8 hex, for telling apart two slides with the same name

import { createHash } from 'node:crypto';
import type { ModelIdentity, SlideIdentity } from '../../heatmap/batch-result';

export type { ModelIdentity, SlideIdentity };

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

export function shortHash(text: string, length = 8): string {
  return sha256(text).slice(0, length);
}

/**
 * A BullMQ-safe job id (no ':'; not an integer), stable for the same slide and model (and the
 * cascade's screen model, when one runs first: its outputs differ from the model run everywhere).
 */
export function jobKey(slide: SlideIdentity, model: ModelIdentity, screen?: ModelIdentity | null): string {
  const parts: unknown[] = ['mrn-batch/1', slide.source, slide.size, slide.version, model.id, model.version];
  if (screen) parts.push('screen', screen.id, screen.version);
  return `j${sha256(JSON.stringify(parts)).slice(0, 32)}`;
}
