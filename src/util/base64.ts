// Bytes → base64 in the browser (no Buffer there). Chunked: String.fromCharCode(...big) overflows the stack.

const CHUNK = 0x8000;

export function toBase64(bytes: Uint8Array | Uint8ClampedArray): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(s);
}
