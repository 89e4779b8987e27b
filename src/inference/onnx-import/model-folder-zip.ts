// A converted model as a TF.js model folder in one zip: <id>/model.json, <id>/group1-shard1of1.bin
// and <id>/card.json, exactly what `npm run convert` writes (unzip it into models/ and it is served).
//
// Usage: const zip = modelFolderZip(record);  // Uint8Array; download as `${record.id}.zip`

import { zipSync } from 'fflate';
import type { ConvertedRecord } from './converted-store';

export function modelFolderFiles(
  r: Pick<ConvertedRecord, 'card' | 'modelJson' | 'weights'>,
): Record<string, Uint8Array> {
  const enc = new TextEncoder();
  const manifest = r.modelJson.weightsManifest as { paths: string[] }[] | undefined;
  const shard = manifest?.[0]?.paths?.[0] ?? 'group1-shard1of1.bin';
  return {
    'model.json': enc.encode(JSON.stringify(r.modelJson)),
    [shard]: r.weights,
    'card.json': enc.encode(`${JSON.stringify(r.card, null, 2)}\n`),
  };
}

export function modelFolderZip(
  r: Pick<ConvertedRecord, 'id' | 'card' | 'modelJson' | 'weights'>,
): Uint8Array {
  const files = modelFolderFiles(r);
  // weights are already dense floats: storing, not deflating, keeps the zip fast to make
  return zipSync(
    Object.fromEntries(
      Object.entries(files).map(([k, v]) => [`${r.id}/${k}`, [v, { level: k.endsWith('.bin') ? 0 : 6 }]]),
    ),
  );
}
