import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempPathFor, writeFileAtomic, writeLogger } from './atomic-write';

const dir = () => mkdtempSync(join(tmpdir(), 'atomic-'));

describe('writeFileAtomic', () => {
  it('writes through a hidden temporary file in the same folder, then renames', async () => {
    const d = dir();
    const path = join(d, 'sub', 'summary.json');
    const seen: string[] = [];
    await writeFileAtomic(path, '{"a":1}\n', { onWritten: (p) => seen.push(p) });
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n');
    expect(readdirSync(join(d, 'sub'))).toEqual(['summary.json']);
    expect(seen).toEqual([path]);
    const tmp = tempPathFor(path);
    expect(tmp.startsWith(join(d, 'sub', '.summary.json.'))).toBe(true);
    expect(tempPathFor(path)).not.toBe(tmp);
  });

  it('replaces an existing file whole; a failed write leaves the old one and no temporary', async () => {
    const d = dir();
    const path = join(d, 'x.bin');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    // writing over a folder fails at the rename: the target is untouched, the temp removed
    const folder = join(d, 'folder');
    await writeFileAtomic(join(folder, 'f'), 'x');
    await expect(writeFileAtomic(folder, 'y')).rejects.toThrow();
    expect(readdirSync(d).sort()).toEqual(['folder', 'x.bin']);
  });

  it('writeLogger appends one line per write', async () => {
    const d = dir();
    const logPath = join(d, 'writes.log');
    const log = writeLogger(logPath);
    await writeFileAtomic(join(d, 'a'), '1', { onWritten: log });
    await writeFileAtomic(join(d, 'a'), '2', { onWritten: log });
    const lines = readFileSync(logPath, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0].endsWith(`\t${join(d, 'a')}`)).toBe(true);
    expect(writeLogger(undefined)).toBeUndefined();
  });
});
