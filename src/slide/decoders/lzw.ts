// TIFF LZW (compression 5, MSB-first codes, early change) with every bound a damaged file needs.
// geotiff 3.0.5's decoder grows a JS array without limit: 135 kB of damaged codes can expand to
// gigabytes and take the process down (npm run fuzz -- --seed 7 --iterations 150, case 67).
// Here the output is written into a buffer of the block's expected size and decoding stops
// there, as libtiff does; the code table has 4096 entries; the input ends where its bits do.

import { SlideError } from '../slide-error';

const CLEAR = 256;
const EOI = 257;
const FIRST = 258;
const TABLE = 4096;
const MAX_BITS = 12;

/**
 * Decodes `input` into at most `maxBytes` bytes. A stream that stops short (no EOI, or input
 * cut) returns what it decoded; a code that is not in the table is a SlideError ('decode-failed').
 */
export function decodeLzw(input: Uint8Array, maxBytes: number): Uint8Array {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new SlideError('decode-failed', `An LZW block cannot decode to ${maxBytes} bytes.`);
  }
  const out = new Uint8Array(maxBytes);
  const prefix = new Uint16Array(TABLE);
  const suffix = new Uint8Array(TABLE);
  const first = new Uint8Array(TABLE);
  const length = new Uint16Array(TABLE);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const totalBits = input.length * 8;
  let bitPos = 0;
  let nbits = 9;
  let next = FIRST;
  let old = -1;
  let pos = 0;

  const read = (): number => {
    if (bitPos + nbits > totalBits) return EOI; // the input ended without EOI
    let v = 0;
    let p = bitPos;
    let need = nbits;
    while (need > 0) {
      const byte = input[p >>> 3];
      const avail = 8 - (p & 7);
      const take = Math.min(avail, need);
      v = (v << take) | ((byte >>> (avail - take)) & ((1 << take) - 1));
      p += take;
      need -= take;
    }
    bitPos += nbits;
    return v;
  };

  /** writes code's string at pos (truncated at maxBytes); returns false once the output is full */
  const emit = (code: number): boolean => {
    const len = length[code];
    let c = code;
    for (let i = len - 1; i >= 0; i--) {
      const at = pos + i;
      if (at < maxBytes) out[at] = suffix[c];
      c = prefix[c];
    }
    pos += len;
    return pos < maxBytes;
  };

  const add = (prev: number, char: number): void => {
    if (next >= TABLE) return; // full: an encoder must clear now; until it does, nothing is added
    prefix[next] = prev;
    suffix[next] = char;
    first[next] = first[prev];
    length[next] = length[prev] + 1;
    next++;
  };

  for (;;) {
    const code = read();
    if (code === EOI) break;
    if (code === CLEAR) {
      next = FIRST;
      nbits = 9;
      old = -1;
      continue;
    }
    if (code < next) {
      if (old >= 0) add(old, first[code]);
    } else if (code === next && old >= 0) {
      add(old, first[old]); // the KwKwK case: the code being defined is the one read
    } else {
      throw new SlideError(
        'decode-failed',
        `An LZW block is damaged: code ${code} at bit ${bitPos - nbits} is not in its table (${next} entries).`,
      );
    }
    if (!emit(code)) break;
    old = code;
    // early change, as libtiff and geotiff: the width grows one code before the table needs it
    if (next + 1 >= 1 << nbits && nbits < MAX_BITS) nbits++;
  }
  return pos >= maxBytes ? out : out.subarray(0, pos);
}
