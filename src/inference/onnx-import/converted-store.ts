// IndexedDB keeps the models converted in the page (card, model.json, weights), so a reload
// offers them again without converting. Readable from the inference worker too (IndexedDB is
// per origin), which loads a converted model straight from here: see converted-url.ts.
//
// Usage:
//   const store = convertedStore();          // idb over the global indexedDB
//   await store.put(record); await store.list(); await store.get(id); await store.delete(id);

import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { ModelCard } from '../model-card';

export interface ConvertedRecord {
  id: string;
  card: ModelCard;
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
  /** the .onnx file name or URL it came from */
  source: string;
  /** ISO time of the conversion (also the card's exportedAt: cached heatmaps key on it) */
  savedAt: string;
  convertMs: number;
}

interface ConvertedSchema extends DBSchema {
  models: { key: string; value: ConvertedRecord };
}

export interface ConvertedStore {
  list(): Promise<ConvertedRecord[]>;
  get(id: string): Promise<ConvertedRecord | undefined>;
  put(record: ConvertedRecord): Promise<void>;
  delete(id: string): Promise<void>;
}

export const CONVERTED_DB = 'mrn-viewer-converted-models';

export function convertedStore(name = CONVERTED_DB): ConvertedStore {
  let db: Promise<IDBPDatabase<ConvertedSchema>> | null = null;
  const open = () => {
    db ??= openDB<ConvertedSchema>(name, 1, {
      upgrade(d) {
        d.createObjectStore('models', { keyPath: 'id' });
      },
    }).catch((e) => {
      db = null;
      throw new Error(`IndexedDB is not available for converted models: ${(e as Error).message}`);
    });
    return db;
  };
  return {
    async list() {
      return (await open()).getAll('models');
    },
    async get(id) {
      return (await open()).get('models', id);
    },
    async put(record) {
      await (await open()).put('models', record);
    },
    async delete(id) {
      await (await open()).delete('models', id);
    },
  };
}
