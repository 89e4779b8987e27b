// The URL form of a model converted in the page: `converted:<id>`. Model entries, the inference
// worker's loader and the backend memory key on it like on any model URL; the loader reads the
// record from IndexedDB (converted-store.ts) instead of fetching.

const PREFIX = 'converted:';

export const convertedModelUrl = (id: string) => `${PREFIX}${id}`;

/** The id in a `converted:<id>` URL, or null for any other URL. */
export function convertedIdOf(url: string): string | null {
  return url.startsWith(PREFIX) ? url.slice(PREFIX.length) : null;
}

/** True for a URL (path, ignoring query and hash) naming an .onnx file. */
export function isOnnxUrl(url: string): boolean {
  return /\.onnx$/i.test(url.replace(/[?#].*$/, ''));
}
