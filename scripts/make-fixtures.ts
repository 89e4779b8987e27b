// npm run fixtures: writes the good fixtures and the bad corpus into .cache/fixtures/.
// The generators live in scripts/fixtures/ so tests (and e2e) can build them in memory.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BAD_FIXTURES } from './fixtures/bad-fixtures';
import { GOOD_FIXTURES } from './fixtures/good-fixtures';

export const FIXTURE_DIR = join(process.cwd(), '.cache', 'fixtures');

export async function makeFixtures(dir = FIXTURE_DIR): Promise<string[]> {
  await mkdir(join(dir, 'good'), { recursive: true });
  // the bad corpus is rewritten whole, so a renamed or dropped entry leaves no stale file behind
  await rm(join(dir, 'bad'), { recursive: true, force: true });
  await mkdir(join(dir, 'bad'), { recursive: true });
  const written: string[] = [];
  for (const [sub, list] of [
    ['good', GOOD_FIXTURES],
    ['bad', BAD_FIXTURES],
  ] as const) {
    for (const f of list) {
      const path = join(dir, sub, f.file);
      const bytes = await f.make();
      await writeFile(path, bytes);
      written.push(path);
      console.log(`${sub}/${f.file}  ${bytes.byteLength} bytes`);
    }
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  makeFixtures().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
