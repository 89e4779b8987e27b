// IndexedDB persistence of probability stores per (slide fingerprint, model).
//
// Usage:
//   const fp = await slideFingerprint(source.metadata);
//   const db = await openResultsDb();
//   const key = resultKey('mrn', card.exportedAt);
//   await saveResult(db, fp, key, store);
//   const restored = await loadResult(db, fp, key, store.info); // { store, savedAt } | null
//   await deleteResult(db, fp, key);
//
// Cells are saved as one concatenated Uint8Array plus their (col, row) lists, so a whole-slide
// result is a handful of structured-clone blobs rather than thousands of records.

import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { SlideMetadata } from '../slide/slide-types';
import { ProbabilityStore, type StoreInfo } from './probability-store';

export interface SavedResult {
  fingerprint: string;
  /** the record key, resultKey(model id, version); the name is the schema's */
  modelId: string;
  info: StoreInfo;
  savedAt: string;
  cols: Int32Array;
  rows: Int32Array;
  cells: Uint8Array;
}

interface ResultsSchema extends DBSchema {
  results: { key: [string, string]; value: SavedResult; indexes: { byFingerprint: string } };
}

export type ResultsDb = IDBPDatabase<ResultsSchema>;

/** Opens (creating on first use) the results database; idb uses the global indexedDB. */
export function openResultsDb(name = 'mrn-viewer-results'): Promise<ResultsDb> {
  return openDB<ResultsSchema>(name, 1, {
    upgrade(db) {
      const store = db.createObjectStore('results', { keyPath: ['fingerprint', 'modelId'] });
      store.createIndex('byFingerprint', 'fingerprint');
    },
  });
}

/**
 * A stable identity for a slide file: SHA-256 over its structure (size, levels, tiles, mpp,
 * compression, byte length) and, when given, its first bytes. The name is left out so a renamed
 * copy finds its results.
 */
export async function slideFingerprint(meta: SlideMetadata, headBytes?: Uint8Array): Promise<string> {
  const structure = JSON.stringify([
    meta.format,
    meta.width,
    meta.height,
    meta.levels.map((l) => [l.width, l.height, l.tileWidth, l.tileHeight, l.synthetic]),
    meta.mpp,
    meta.compression,
    meta.byteLength,
  ]);
  const text = new TextEncoder().encode(structure);
  const all = new Uint8Array(text.length + (headBytes?.length ?? 0));
  all.set(text);
  if (headBytes) all.set(headBytes, text.length);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The record key of a model's result: its id and version (the card's exportedAt), so a retrained
 * model does not restore the heatmap of the one before.
 */
export const resultKey = (modelId: string, version = ''): string => `${modelId}@${version}`;

/** Which cells not to save: those that hold no final result yet (a cascade's provisional cells). */
export type OmitCell = (col: number, row: number) => boolean;

function serializeStore(
  fingerprint: string,
  key: string,
  store: ProbabilityStore,
  omit?: OmitCell,
): SavedResult {
  const entries = [...store.entries()].filter(({ col, row }) => !omit?.(col, row));
  const n = entries.length;
  const per = store.keep * store.keep;
  const cols = new Int32Array(n);
  const rows = new Int32Array(n);
  const cells = new Uint8Array(n * per);
  let k = 0;
  for (const { col, row, cell } of entries) {
    cols[k] = col;
    rows[k] = row;
    cells.set(cell, k * per);
    k++;
  }
  return {
    fingerprint,
    modelId: key,
    info: { ...store.info },
    savedAt: new Date().toISOString(),
    cols,
    rows,
    cells,
  };
}

function deserializeStore(saved: SavedResult): ProbabilityStore {
  const store = new ProbabilityStore(saved.info);
  const per = store.keep * store.keep;
  for (let k = 0; k < saved.cols.length; k++) {
    store.setCell(saved.cols[k], saved.rows[k], saved.cells.slice(k * per, (k + 1) * per));
  }
  return store;
}

export async function saveResult(
  db: ResultsDb,
  fingerprint: string,
  key: string,
  store: ProbabilityStore,
  omit?: OmitCell,
) {
  await db.put('results', serializeStore(fingerprint, key, store, omit));
}

/**
 * The saved store under `key`, or null when there is none or it was made with other settings than
 * `expected` (another slide mpp, patch size or margin: its cells would not line up; other flips:
 * other values).
 */
export async function loadResult(
  db: ResultsDb,
  fingerprint: string,
  key: string,
  expected?: StoreInfo,
): Promise<{ store: ProbabilityStore; savedAt: string } | null> {
  const saved = await db.get('results', [fingerprint, key]);
  if (!saved) return null;
  if (expected) {
    // a store saved before flip averaging existed has no `flips`: it ran with none
    const have: StoreInfo = { flips: 1, ...saved.info };
    const want: StoreInfo = { flips: 1, ...expected };
    if ((Object.keys(want) as (keyof StoreInfo)[]).some((k) => have[k] !== want[k])) return null;
  }
  return { store: deserializeStore(saved), savedAt: saved.savedAt };
}

export async function deleteResult(db: ResultsDb, fingerprint: string, key: string): Promise<void> {
  await db.delete('results', [fingerprint, key]);
}
