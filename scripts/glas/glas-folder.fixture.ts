// GlaS-style folders for tests: Grade.csv, img/<name>.png (RGB, black) and mask/<name>.png (grey
// labels, one gland pixel at the origin) of the given sizes, in the OS temp dir.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';

export type Sizes = Record<string, [width: number, height: number]>;

/** Makes folders; `cleanup()` (for afterAll) removes every one it made. */
export function glasFolders(prefix: string) {
  const dirs: string[] = [];
  return {
    folder(csv: string, images: Sizes, masks: Sizes): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      mkdirSync(join(dir, 'img'));
      mkdirSync(join(dir, 'mask'));
      writeFileSync(join(dir, 'Grade.csv'), csv);
      for (const [n, [w, h]] of Object.entries(images)) {
        const rgb = encode({ width: w, height: h, data: new Uint8Array(w * h * 3), channels: 3 });
        writeFileSync(join(dir, 'img', `${n}.png`), rgb);
      }
      for (const [n, [w, h]] of Object.entries(masks)) {
        const data = new Uint8Array(w * h);
        data[0] = 1;
        writeFileSync(join(dir, 'mask', `${n}.png`), encode({ width: w, height: h, data, channels: 1 }));
      }
      return dir;
    },
    cleanup(): void {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
