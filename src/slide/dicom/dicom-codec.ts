// Decodes one DICOM frame to RGBA by transfer syntax, or from its own bytes when the server sent
// whatever it had (DICOMweb `transfer-syntax=*`). Colour: JPEG frames labelled RGB get an Adobe
// marker so decoders do not convert them, except when the stream itself says YCbCr (a JFIF
// marker), which wins over a wrong label; YBR_FULL raw and JPEG-LS samples are converted here.

import { fitToTile, samplesToRgba } from '../decoders/decoder-registry';
import { decodeJpeg2000, ycbcrToRgbInPlace } from '../decoders/jp2k-decoder';
import type { JpegDecoder } from '../decoders/jpeg-decoder';
import { buildJpegStream } from '../decoders/jpeg-stream';
import { decodeJpegLs } from '../decoders/jpegls-decoder';
import { SlideError } from '../slide-error';
import type { RgbaImage } from '../slide-types';

export type DicomCodec = 'jpeg' | 'jpeg2000' | 'jpegls' | 'raw';

export interface FrameFormat {
  codec: DicomCodec | 'sniff';
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometric: string;
  bitsAllocated: number;
  bitsStored: number;
  planar: number;
}

export interface CodecEnv {
  jpeg: JpegDecoder;
  openjpegWasmUrl?: string;
  charlsWasmUrl?: string;
}

const SYNTAXES: Record<string, DicomCodec> = {
  '1.2.840.10008.1.2': 'raw',
  '1.2.840.10008.1.2.1': 'raw',
  '1.2.840.10008.1.2.4.50': 'jpeg',
  '1.2.840.10008.1.2.4.51': 'jpeg',
  '1.2.840.10008.1.2.4.57': 'jpeg',
  '1.2.840.10008.1.2.4.70': 'jpeg',
  '1.2.840.10008.1.2.4.80': 'jpegls',
  '1.2.840.10008.1.2.4.81': 'jpegls',
  '1.2.840.10008.1.2.4.90': 'jpeg2000',
  '1.2.840.10008.1.2.4.91': 'jpeg2000',
  '1.2.840.10008.1.2.4.201': 'jpeg2000',
  '1.2.840.10008.1.2.4.202': 'jpeg2000',
  '1.2.840.10008.1.2.4.203': 'jpeg2000',
};

const SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.100': 'MPEG-2',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
};

export const CODEC_NAMES: Record<DicomCodec, string> = {
  jpeg: 'JPEG',
  jpeg2000: 'JPEG 2000',
  jpegls: 'JPEG-LS',
  raw: 'none',
};

export function codecFor(transferSyntax: string, name: string): DicomCodec {
  const codec = SYNTAXES[transferSyntax];
  if (codec) return codec;
  const what = SYNTAX_NAMES[transferSyntax] ?? `transfer syntax ${transferSyntax}`;
  throw new SlideError(
    'unsupported-compression',
    `${name} uses ${what}, which this viewer cannot decode (JPEG, JPEG 2000, JPEG-LS and uncompressed are supported).`,
  );
}

/** The codec a frame's first bytes announce (SOI + SOF55 is JPEG-LS); raw when none matches. */
export function sniffCodec(b: Uint8Array): DicomCodec {
  if (b[0] === 0xff && b[1] === 0xd8) {
    // walk markers to the first SOF: F7 (SOF55) means JPEG-LS
    let o = 2;
    while (o + 4 <= b.byteLength && b[o] === 0xff) {
      const m = b[o + 1];
      if (m === 0xf7 || m === 0xf8) return 'jpegls';
      if ((m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xda) return 'jpeg';
      o += 2 + ((b[o + 2] << 8) | b[o + 3]);
    }
    return 'jpeg';
  }
  if (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51) return 'jpeg2000';
  if (b[4] === 0x6a && b[5] === 0x50 && b[6] === 0x20 && b[7] === 0x20) return 'jpeg2000'; // JP2 box
  return 'raw';
}

function hasJfif(b: Uint8Array): boolean {
  let o = 2;
  while (o + 9 <= b.byteLength && b[o] === 0xff) {
    const m = b[o + 1];
    if (m === 0xda) return false;
    if (m === 0xe0 && b[o + 4] === 0x4a && b[o + 5] === 0x46 && b[o + 6] === 0x49 && b[o + 7] === 0x46)
      return true;
    o += 2 + ((b[o + 2] << 8) | b[o + 3]);
  }
  return false;
}

/** A JPEG frame as a stream the browser decodes to the right colours. */
export function dicomJpegStream(bytes: Uint8Array, f: FrameFormat): Uint8Array {
  const rgb = f.samplesPerPixel === 3 && f.photometric === 'RGB' && !hasJfif(bytes);
  return buildJpegStream(bytes, undefined, rgb);
}

export async function decodeFrame(
  bytes: Uint8Array,
  f: FrameFormat,
  env: CodecEnv,
  signal?: AbortSignal,
): Promise<RgbaImage> {
  const codec = f.codec === 'sniff' ? sniffCodec(bytes) : f.codec;
  const photometric = photometricCode(f.photometric, f.samplesPerPixel);
  let img: RgbaImage;
  if (codec === 'jpeg') {
    img = await env.jpeg.decode(dicomJpegStream(bytes, f), signal);
  } else if (codec === 'jpeg2000') {
    // OpenJPEG undoes the codestream's own colour transform; YBR_FULL without one is done here
    const s = await decodeJpeg2000(bytes, f.photometric === 'YBR_FULL', env.openjpegWasmUrl, {
      width: f.columns,
      height: f.rows,
    });
    img = samplesToRgba(s.data, s.width, s.height, s.components, s.components >= 3 ? 2 : 1);
  } else if (codec === 'jpegls') {
    const s = await decodeJpegLs(bytes, env.charlsWasmUrl);
    if (s.components === 3 && f.photometric.startsWith('YBR')) ycbcrToRgbInPlace(s.data);
    img = samplesToRgba(s.data, s.width, s.height, s.components, s.components >= 3 ? 2 : photometric);
  } else {
    img = decodeRaw(bytes, f, photometric);
  }
  return fitToTile(img, f.columns, f.rows);
}

/** TIFF-style photometric for samplesToRgba: 0 inverts grey. */
function photometricCode(p: string, spp: number): number {
  if (spp >= 3) return 2;
  return p === 'MONOCHROME1' ? 0 : 1;
}

function decodeRaw(bytes: Uint8Array, f: FrameFormat, photometric: number): RgbaImage {
  const { rows, columns, samplesPerPixel: spp, bitsAllocated } = f;
  const n = rows * columns;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new SlideError(
      'unsupported-pixels',
      `An uncompressed frame has ${bitsAllocated}-bit samples; 8 and 16 are supported.`,
    );
  }
  const bytesPer = bitsAllocated / 8;
  if (bytes.byteLength < n * spp * bytesPer) {
    throw new SlideError(
      'decode-failed',
      `An uncompressed frame has ${bytes.byteLength} bytes, fewer than its ${columns}×${rows} pixels need.`,
    );
  }
  let samples = new Uint8Array(n * spp);
  if (bytesPer === 2) {
    const shift = Math.max(0, Math.min(f.bitsStored || 16, 16) - 8);
    for (let i = 0; i < n * spp; i++) samples[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) >> shift) & 0xff;
  } else {
    samples = bytes.subarray(0, n * spp).slice();
  }
  if (spp === 3 && f.planar === 1) {
    const inter = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) inter[i * 3 + k] = samples[k * n + i];
    samples = inter;
  }
  if (spp === 3 && f.photometric === 'YBR_FULL') ycbcrToRgbInPlace(samples);
  return samplesToRgba(samples, columns, rows, spp, photometric);
}
