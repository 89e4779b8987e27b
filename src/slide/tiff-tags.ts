// TIFF tag numbers and field types used by the slide layer.

export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  PhotometricInterpretation: 262,
  ImageDescription: 270,
  Make: 271,
  Model: 272,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SubIFDs: 330,
  ExtraSamples: 338,
  SampleFormat: 339,
  JPEGInterchangeFormat: 513,
  JPEGInterchangeFormatLength: 514,
  YCbCrSubSampling: 530,
  JPEGTables: 347,
  /** Hamamatsu NDPI private tags start here */
  NdpiFirst: 65420,
  /** NDPI: the format flag, in every directory */
  NdpiFormatFlag: 65420,
  /** NDPI: the objective magnification of this image (FLOAT); -1 macro, -2 map */
  NdpiMagnification: 65421,
  /** NDPI: the focal plane (z offset from the slide centre, nm) */
  NdpiFocalPlane: 65424,
  /** NDPI: offsets of the restart segments of the level's JPEG, from its start (low 32 bits) */
  NdpiMcuStarts: 65426,
  /** NDPI: the high 32 bits of each McuStarts value */
  NdpiMcuStartsHigh: 65432,
  NdpiLast: 65449,
} as const;

/** TIFF Compression codes the slide layer handles by name (the 7/6/33003 of the spec). */
export const Compression = {
  None: 1,
  Lzw: 5,
  OldJpeg: 6,
  Jpeg: 7,
  Deflate: 8,
  PackBits: 32773,
  DeflateLegacy: 32946,
  /** Aperio JPEG 2000, YCbCr components */
  Jp2kAperioYcbcr: 33003,
  /** Aperio JPEG 2000, RGB components */
  Jp2kAperioRgb: 33005,
} as const;

/** PhotometricInterpretation values the slide layer checks. */
export const Photometric = {
  WhiteIsZero: 0,
  BlackIsZero: 1,
  Rgb: 2,
  YCbCr: 6,
} as const;

/** byte size of one value of each TIFF field type (0 = unknown type) */
export const TYPE_SIZE: Record<number, number> = {
  1: 1, // BYTE
  2: 1, // ASCII
  3: 2, // SHORT
  4: 4, // LONG
  5: 8, // RATIONAL
  6: 1, // SBYTE
  7: 1, // UNDEFINED
  8: 2, // SSHORT
  9: 4, // SLONG
  10: 8, // SRATIONAL
  11: 4, // FLOAT
  12: 8, // DOUBLE
  13: 4, // IFD
  16: 8, // LONG8
  17: 8, // SLONG8
  18: 8, // IFD8
};

export const COMPRESSION_NAMES: Record<number, string> = {
  1: 'none',
  2: 'CCITT RLE',
  3: 'CCITT Group 3',
  4: 'CCITT Group 4',
  5: 'LZW',
  6: 'old-style JPEG',
  7: 'JPEG',
  8: 'Deflate',
  32773: 'PackBits',
  32946: 'Deflate',
  33003: 'JPEG 2000 (Aperio YCbCr)',
  33005: 'JPEG 2000 (Aperio RGB)',
  34712: 'JPEG 2000',
  34887: 'LERC',
  34925: 'LZMA',
  50000: 'Zstandard',
  50001: 'WebP',
  50002: 'JPEG XL',
};

export function compressionName(code: number): string {
  return COMPRESSION_NAMES[code] ?? `unknown (code ${code})`;
}

/** "LZW compression (TIFF code 5)" or "an unknown compression (TIFF code 40000)" */
export function describeCompression(code: number): string {
  const known = COMPRESSION_NAMES[code];
  return known ? `${known} compression (TIFF code ${code})` : `an unknown compression (TIFF code ${code})`;
}
