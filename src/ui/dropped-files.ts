// The files of a drop, folders walked (FileSystemEntry API): each file keeps its path within the
// dropped folder (webkitRelativePath-like), so sorting can tell a batch-output folder from a slide.

const MAX_FILES = 10_000;

export async function droppedFiles(dt: DataTransfer): Promise<File[]> {
  // entries must be taken during the event; the walk is async
  const entries = [...dt.items]
    .map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0 || !entries.some((e) => e.isDirectory)) return [...dt.files];
  const out: File[] = [];
  for (const e of entries) await walk(e, '', out);
  return out;
}

async function walk(entry: FileSystemEntry, prefix: string, out: File[]): Promise<void> {
  if (out.length >= MAX_FILES) return;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    const path = `${prefix}${file.name}`;
    if (prefix) Object.defineProperty(file, 'webkitRelativePath', { value: path });
    out.push(file);
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    // readEntries hands out a batch at a time until it returns none
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, `${prefix}${entry.name}/`, out);
  }
}
