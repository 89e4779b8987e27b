// The `<name>.json` sidecar beside a slide that does not carry its own pixel size (plain images):
// `{"mpp": 0.62}`, µm per pixel. Other fields are allowed and ignored (the synthetic slides'
// sidecars have the same `mpp` field).

import { z } from 'zod';

export const MppSidecar = z.looseObject({ mpp: z.number().positive().max(1000) });

/** mpp from a sidecar's text; null when it is absent, not JSON, or has no valid mpp. */
export function sidecarMpp(text: string | null): number | null {
  if (!text) return null;
  try {
    const r = MppSidecar.safeParse(JSON.parse(text));
    return r.success ? r.data.mpp : null;
  } catch {
    return null;
  }
}

/** `<dir>/<stem>.json` for a slide URL or path (query and hash dropped). */
export function sidecarPathFor(urlOrPath: string): string {
  const clean = urlOrPath.replace(/[?#].*$/, '');
  const slash = clean.lastIndexOf('/');
  const dot = clean.lastIndexOf('.');
  return `${dot > slash ? clean.slice(0, dot) : clean}.json`;
}

/** The sidecar of a slide URL, fetched; null on any failure (it is optional). */
export async function fetchSidecar(
  url: string,
  fetchImpl: typeof fetch = fetch,
  signal?: AbortSignal,
): Promise<string | null> {
  try {
    const r = await fetchImpl(sidecarPathFor(url), { signal });
    return r.ok ? await r.text() : null;
  } catch {
    return null;
  }
}
