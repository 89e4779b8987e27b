// Bytes → base64 in the browser (no Buffer there). Chunked: String.fromCharCode(...big) overflows the stack.

const CHUNK = 0x8000;

export function toBase64(bytes: Uint8Array | Uint8ClampedArray): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(s);
}

/** base64 → bytes (atob; throws a TypeError naming the problem on text that is not base64). */
export function fromBase64(text: string): Uint8Array {
  let s: string;
  try {
    s = atob(text);
  } catch {
    throw new TypeError('not base64 text');
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
