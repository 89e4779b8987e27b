// Builds a self-contained JPEG stream from a TIFF tile: splices in the shared JPEGTables and,
// for RGB-photometric tiles (Aperio), adds an Adobe APP14 marker with transform=0 so decoders
// do not apply a YCbCr→RGB conversion to data that is already RGB.

const SOI = [0xff, 0xd8];

/** APP14 "Adobe", version 100, flags 0/0, transform 0 (no colour transform: components are RGB). */
const ADOBE_RGB = new Uint8Array([
  0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
]);

export function isJpegStart(b: Uint8Array): boolean {
  return b.byteLength >= 2 && b[0] === SOI[0] && b[1] === SOI[1];
}

function hasAdobeMarker(b: Uint8Array): boolean {
  // Scan markers before the first SOS for APP14.
  let o = 2;
  while (o + 4 <= b.byteLength && b[o] === 0xff) {
    const marker = b[o + 1];
    if (marker === 0xda) return false;
    if (marker === 0xee) return true;
    const len = (b[o + 2] << 8) | b[o + 3];
    o += 2 + len;
  }
  return false;
}

/** JPEGTables without their SOI and EOI (tables: SOI <DQT/DHT…> EOI); undefined if absent or bad. */
function tableBodyOf(tables: Uint8Array | undefined): Uint8Array | undefined {
  return tables && tables.byteLength > 4 && isJpegStart(tables)
    ? tables.subarray(2, tables.byteLength - 2)
    : undefined;
}

export function buildJpegStream(
  tile: Uint8Array,
  tables: Uint8Array | undefined,
  rgbComponents: boolean,
): Uint8Array {
  // tile: SOI <frame/scan> EOI; the tables' body goes after the tile's SOI
  const tableBody = tableBodyOf(tables);
  const needAdobe = rgbComponents && !hasAdobeMarker(tile);
  if (!tableBody && !needAdobe) return tile;
  const rest = isJpegStart(tile) ? tile.subarray(2) : tile;
  const out = new Uint8Array(
    2 + (needAdobe ? ADOBE_RGB.byteLength : 0) + (tableBody?.byteLength ?? 0) + rest.byteLength,
  );
  let o = 0;
  out.set(SOI, o);
  o += 2;
  if (needAdobe) {
    out.set(ADOBE_RGB, o);
    o += ADOBE_RGB.byteLength;
  }
  if (tableBody) {
    out.set(tableBody, o);
    o += tableBody.byteLength;
  }
  out.set(rest, o);
  return out;
}

/**
 * What goes before a YCbCr tile's bytes (from its second byte on, past its own SOI) to make a
 * complete stream without reading the tile: SOI plus the shared tables. Null for RGB tiles, whose
 * Adobe marker depends on the tile's own bytes.
 */
export function jpegStreamPrefix(tables: Uint8Array | undefined, rgbComponents: boolean): Uint8Array | null {
  if (rgbComponents) return null;
  const tableBody =
    tables && tables.byteLength > 4 && isJpegStart(tables)
      ? tables.subarray(2, tables.byteLength - 2)
      : undefined;
  const out = new Uint8Array(2 + (tableBody?.byteLength ?? 0));
  out.set(SOI, 0);
  if (tableBody) out.set(tableBody, 2);
  return out;
}
