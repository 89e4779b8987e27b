// Recognises plain images (PNG, JPEG, BMP, WebP) by their first bytes and reads their size from
// the header alone, so an image too big to decode at once is refused before any decode.

export type PlainImageKind = 'png' | 'jpeg' | 'bmp' | 'webp';

export interface PlainImageHeader {
  kind: PlainImageKind;
  width: number;
  height: number;
}

export const PLAIN_IMAGE_LABEL: Record<PlainImageKind, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  bmp: 'BMP',
  webp: 'WebP',
};

export const PLAIN_IMAGE_MIME: Record<PlainImageKind, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  bmp: 'image/bmp',
  webp: 'image/webp',
};

const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

/** The kind of plain image these first bytes start, or null. */
export function plainImageKind(head: Uint8Array): PlainImageKind | null {
  if (head.byteLength >= 8 && head[0] === 0x89 && ascii(head, 1, 3) === 'PNG') return 'png';
  if (head.byteLength >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.byteLength >= 26 && ascii(head, 0, 2) === 'BM') return 'bmp';
  if (head.byteLength >= 16 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return 'webp';
  return null;
}

/**
 * Width and height from the header; null where the header is damaged or (JPEG) the frame header
 * lies past `head`. `head` holds the file's first bytes (64 KiB finds nearly every JPEG's SOF).
 */
export function probePlainImage(head: Uint8Array, kind: PlainImageKind): PlainImageHeader | null {
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const size = (width: number, height: number) => (width > 0 && height > 0 ? { kind, width, height } : null);
  switch (kind) {
    case 'png':
      return head.byteLength >= 24 && ascii(head, 12, 4) === 'IHDR'
        ? size(dv.getUint32(16), dv.getUint32(20))
        : null;
    case 'bmp':
      return size(dv.getInt32(18, true), Math.abs(dv.getInt32(22, true)));
    case 'webp': {
      if (head.byteLength < 30) return null;
      const chunk = ascii(head, 12, 4);
      if (chunk === 'VP8 ') return size(dv.getUint16(26, true) & 0x3fff, dv.getUint16(28, true) & 0x3fff);
      if (chunk === 'VP8L') {
        const bits = dv.getUint32(21, true);
        return size((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
      }
      if (chunk === 'VP8X') {
        const u24 = (o: number) => head[o] | (head[o + 1] << 8) | (head[o + 2] << 16);
        return size(u24(24) + 1, u24(27) + 1);
      }
      return null;
    }
    case 'jpeg': {
      let o = 2;
      while (o + 9 <= head.byteLength) {
        if (head[o] !== 0xff) return null;
        const marker = head[o + 1];
        if (marker === 0xff) {
          o++;
          continue;
        }
        const len = dv.getUint16(o + 2);
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return size(dv.getUint16(o + 7), dv.getUint16(o + 5));
        }
        if (marker === 0xda) return null;
        o += 2 + len;
      }
      return null;
    }
  }
}
