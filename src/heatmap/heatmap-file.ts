// A probability store as one binary file, so a heatmap computed elsewhere (the batch CLI) opens in
// the viewer as its own layer, byte for byte: same cells, same stats, same regions.
//
// Usage:
//   const bytes = encodeHeatmapFile(store);                 // Uint8Array (the batch gzips it)
//   const store = decodeHeatmapFile(bytes);                 // ProbabilityStore
//   const store = await decodeHeatmapBytes(maybeGzipped);   // gunzips first when it starts 1f 8b
//
// Layout (little-endian): 'MRNH', u32 version (1), u32 n = JSON length, n bytes of StoreInfo JSON,
// zero padding to 4 bytes, u32 cell count c, c × i32 cols, c × i32 rows, c × keep² u8 cells
// (0 = not analysed, 1..255 = probability, as in the store).

import { ProbabilityStore, type StoreInfo } from './probability-store';

const MAGIC = [0x4d, 0x52, 0x4e, 0x48]; // MRNH
const VERSION = 1;
/** cells in one file: 4 M × 48² bytes is 9 GB, far above any slide */
const MAX_CELLS = 4_000_000;

export class HeatmapFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeatmapFileError';
  }
}

export function encodeHeatmapFile(store: ProbabilityStore): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(store.info));
  const head = 12 + json.length;
  const pad = (4 - (head % 4)) % 4;
  const n = store.cellCount;
  const per = store.keep * store.keep;
  const out = new Uint8Array(head + pad + 4 + n * 8 + n * per);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  let o = head + pad;
  view.setUint32(o, n, true);
  o += 4;
  const cellsAt = o + n * 8;
  let k = 0;
  for (const { col, row, cell } of store.entries()) {
    view.setInt32(o + k * 4, col, true);
    view.setInt32(o + n * 4 + k * 4, row, true);
    out.set(cell, cellsAt + k * per);
    k++;
  }
  return out;
}

function checkInfo(x: unknown): StoreInfo {
  const i = x as Partial<StoreInfo> | null;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (
    !i ||
    typeof i.modelId !== 'string' ||
    !num(i.targetMpp) ||
    !num(i.slideMpp) ||
    !Number.isInteger(i.targetSize) ||
    !Number.isInteger(i.margin) ||
    (i.targetSize as number) > 4096 ||
    (i.margin as number) < 0
  )
    throw new HeatmapFileError('heatmap file: its store description is incomplete or out of range');
  return i as StoreInfo;
}

export function decodeHeatmapFile(bytes: Uint8Array): ProbabilityStore {
  if (bytes.length < 16 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new HeatmapFileError('not an MRN heatmap file (no MRNH signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION)
    throw new HeatmapFileError(`heatmap file version ${version}; this viewer reads ${VERSION}`);
  const jsonLength = view.getUint32(8, true);
  if (12 + jsonLength + 4 > bytes.length) throw new HeatmapFileError('heatmap file is truncated (header)');
  let info: StoreInfo;
  try {
    info = checkInfo(JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))));
  } catch (e) {
    if (e instanceof HeatmapFileError) throw e;
    throw new HeatmapFileError(`heatmap file header is not JSON: ${(e as Error).message}`);
  }
  const store = new ProbabilityStore(info);
  let o = 12 + jsonLength;
  o += (4 - (o % 4)) % 4;
  const n = view.getUint32(o, true);
  o += 4;
  const per = store.keep * store.keep;
  if (n > MAX_CELLS) throw new HeatmapFileError(`heatmap file claims ${n} cells (limit ${MAX_CELLS})`);
  if (o + n * (8 + per) !== bytes.length)
    throw new HeatmapFileError(
      `heatmap file is ${bytes.length} bytes; ${n} cells of ${store.keep}² need ${o + n * (8 + per)}`,
    );
  const cellsAt = o + n * 8;
  for (let k = 0; k < n; k++) {
    const col = view.getInt32(o + k * 4, true);
    const row = view.getInt32(o + n * 4 + k * 4, true);
    store.setCell(col, row, bytes.slice(cellsAt + k * per, cellsAt + (k + 1) * per));
  }
  return store;
}

/** Gunzips (DecompressionStream, in browsers and Node) when the bytes are gzip, then decodes. */
export async function decodeHeatmapBytes(bytes: Uint8Array): Promise<ProbabilityStore> {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  return decodeHeatmapFile(bytes);
}
