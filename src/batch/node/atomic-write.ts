// Atomic file writes: the bytes go to a temporary file in the same folder, are flushed, then renamed
// over the target, so a reader (or a worker killed mid-write) never leaves or sees half a file.
//
// Usage:
//   await writeFileAtomic('out/a/unet/summary.json', text);
//   await writeFileAtomic(path, bytes, { onWritten: (p) => log(p) });  // after the rename

import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** called with the final path once the file is in place */
  onWritten?: (path: string) => void;
}

/** The temporary name: hidden, unique per process and call, in the target's folder. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.datasync();
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  options.onWritten?.(path);
}

/** A write logger for tests: appends one line per finished write (O_APPEND keeps lines whole). */
export function writeLogger(logPath: string | undefined): ((path: string) => void) | undefined {
  if (!logPath) return undefined;
  return (path) => appendFileSync(logPath, `${process.pid}\t${path}\n`);
}
