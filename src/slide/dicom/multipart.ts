// multipart/related bodies (RFC 2387) as WADO-RS sends frames: the boundary from the
// Content-Type, then each part's headers and body. Bodies are views into the input (no copies).

import { SlideError } from '../slide-error';

export interface Part {
  headers: Record<string, string>;
  body: Uint8Array;
}

export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^\s*multipart\/related/i.test(contentType)) return null;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = hay.byteLength - needle.byteLength;
  outer: for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.byteLength; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Splits a body into its parts; a body cut short (no closing boundary) is an error. */
export function parseMultipart(body: Uint8Array, boundary: string): Part[] {
  const enc = new TextEncoder();
  const delimiter = enc.encode(`--${boundary}`);
  const parts: Part[] = [];
  let pos = indexOf(body, delimiter, 0);
  if (pos < 0)
    throw new SlideError('network', 'A multipart answer has no parts (its boundary never appears).');
  for (;;) {
    pos += delimiter.byteLength;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // "--": the closing delimiter
    // skip transport padding and the CRLF after the delimiter
    while (pos < body.byteLength && body[pos] !== 0x0a) pos++;
    pos++;
    const headerEnd = indexOf(body, enc.encode('\r\n\r\n'), pos);
    const lfEnd = headerEnd < 0 ? indexOf(body, enc.encode('\n\n'), pos) : -1;
    if (headerEnd < 0 && lfEnd < 0) break;
    const bodyStart = headerEnd >= 0 ? headerEnd + 4 : lfEnd + 2;
    const headers: Record<string, string> = {};
    for (const line of new TextDecoder().decode(body.subarray(pos, bodyStart)).split(/\r?\n/)) {
      const c = line.indexOf(':');
      if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
    }
    const next = indexOf(body, delimiter, bodyStart);
    if (next < 0) break;
    // the CRLF before the next delimiter belongs to it
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    parts.push({ headers, body: body.subarray(bodyStart, Math.max(bodyStart, end)) });
    pos = next;
  }
  throw new SlideError('network', 'A multipart answer was cut short (no closing boundary).');
}
