// Node: reads a slide file's `<stem>.json` sidecar from disk, for OpenSlideOptions.sidecar.

import { readFile } from 'node:fs/promises';
import { sidecarPathFor } from '../slide-sidecar';

export function fileSidecar(path: string): () => Promise<string | null> {
  return () => readFile(sidecarPathFor(path), 'utf8').catch(() => null);
}
