// The `<name>.json` sidecar beside a slide that does not carry its own pixel size (plain images):
// `{"mpp": 0.62}`, µm per pixel. Other fields are allowed and ignored (the synthetic slides'
// sidecars have the same `mpp` field).

// Checked by hand, not with zod: this module is in the slide worker, whose script a deep link
// waits for before its first directory read, and zod was the bulk of its size for one field.

/** mpp from a sidecar's text; null when it is absent, not JSON, or has no valid mpp (0 < mpp ≤ 1000). */
export function sidecarMpp(text: string | null): number | null {
  if (!text) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const mpp = (v as { mpp?: unknown }).mpp;
  return typeof mpp === 'number' && Number.isFinite(mpp) && mpp > 0 && mpp <= 1000 ? mpp : null;
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
