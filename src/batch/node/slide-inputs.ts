// Turns command-line arguments (files, folders, URLs) into the slides of a batch, each with its
// identity and output name. Node only (node:fs).
//
// Usage:
//   const slides = await expandInputs(['a.svs', 'cohort/', 'https://host/b.tiff']);
//   // [{ kind: 'file', source: '/abs/a.svs', name: 'a', identity: {...} }, ...]
//   assignNames(slides, existingOwners)   // adds '-<hash>' where two slides would share a name
//
// A folder is searched (recursively) for slide files; a folder holding DICOM files is one slide
// (a DICOM series), named after the folder. Sidecar files (.geojson, .json, .xml, masks) are not
// slides. URLs are identified by their ETag (else Last-Modified) and length, from a HEAD request.

import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { type SlideIdentity, shortHash } from './job-key';

export type SlideKind = 'file' | 'url' | 'dicom-folder';

export interface SlideInput {
  kind: SlideKind;
  /** absolute path or URL */
  source: string;
  /** output folder name: file name without extension, DICOM folder name, URL's last segment */
  name: string;
  identity: SlideIdentity;
}

/** Extensions of files the viewer opens or names (the reader says clearly what it cannot read). */
export const SLIDE_EXTENSIONS = [
  '.tif',
  '.tiff',
  '.svs',
  '.btf',
  '.tf8',
  '.ndpi',
  '.scn',
  '.bif',
  '.mrxs',
  '.vms',
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
];
const DICOM_EXTENSIONS = ['.dcm', '.dicom'];

export const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** File name without its extension (two for .ome.tiff), made safe as a folder name. */
export function stemOf(fileName: string): string {
  const stem = fileName.replace(/\.ome\.(tiff?|tf8|btf)$/i, '').replace(/\.[^./]+$/, '');
  return safeName(stem || fileName);
}

export function safeName(name: string): string {
  const s = name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_');
  return s.slice(0, 120) || 'slide';
}

/** The URL's last path segment without extension (its host when the path is empty). */
export function urlName(url: string): string {
  const u = new URL(url);
  const last = decodeURIComponent(u.pathname.split('/').filter(Boolean).pop() ?? '');
  return last ? stemOf(last) : safeName(u.host);
}

function isDicomFolder(dir: string): boolean {
  return readdirSync(dir).some((f) => DICOM_EXTENSIONS.includes(extname(f).toLowerCase()));
}

function fileIdentity(path: string): SlideIdentity {
  const st = statSync(path);
  if (st.isDirectory()) {
    // a DICOM series: the newest file and the total size stand for the folder's contents
    let size = 0;
    let mtime = 0;
    for (const f of readdirSync(path)) {
      const s = statSync(join(path, f));
      if (!s.isFile()) continue;
      size += s.size;
      mtime = Math.max(mtime, s.mtimeMs);
    }
    return { source: path, size, version: String(Math.round(mtime)) };
  }
  return { source: path, size: st.size, version: String(Math.round(st.mtimeMs)) };
}

/** ETag (else Last-Modified) and length of a URL: HEAD, else a one-byte range GET. */
export async function urlIdentity(
  url: string,
  options: { fetchImpl?: typeof fetch; signal?: AbortSignal } = {},
): Promise<SlideIdentity> {
  const f = options.fetchImpl ?? fetch;
  const from = (res: Response, size: number | null): SlideIdentity => ({
    source: url,
    size,
    version: res.headers.get('etag') ?? res.headers.get('last-modified'),
  });
  try {
    const head = await f(url, { method: 'HEAD', signal: options.signal });
    if (head.ok) {
      const len = head.headers.get('content-length');
      return from(head, len === null ? null : Number(len));
    }
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
  }
  const res = await f(url, { headers: { Range: 'bytes=0-0' }, signal: options.signal });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`The slide at ${url} could not be read: HTTP ${res.status}.`);
  const total = res.headers.get('content-range')?.match(/\/(\d+)$/)?.[1];
  const len = res.headers.get('content-length');
  return from(res, total ? Number(total) : len !== null && res.status === 200 ? Number(len) : null);
}

function walk(dir: string, out: SlideInput[]): void {
  if (isDicomFolder(dir)) {
    out.push({
      kind: 'dicom-folder',
      source: dir,
      name: safeName(basename(dir)),
      identity: fileIdentity(dir),
    });
    return;
  }
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (
      entry.isFile() &&
      SLIDE_EXTENSIONS.includes(extname(entry.name).toLowerCase()) &&
      !isMask(entry.name)
    )
      out.push(fileInput(path));
  }
}

// the synthetic generator's (and many datasets') ground-truth masks sit beside the slides
const isMask = (name: string) => /[._-]mask\.(png|tiff?)$/i.test(name);

function fileInput(path: string): SlideInput {
  return { kind: 'file', source: path, name: stemOf(basename(path)), identity: fileIdentity(path) };
}

/** Slides named by `args`, in order, duplicates (same source) dropped. */
export async function expandInputs(
  args: string[],
  options: { fetchImpl?: typeof fetch; signal?: AbortSignal } = {},
): Promise<SlideInput[]> {
  const out: SlideInput[] = [];
  for (const arg of args) {
    if (isUrl(arg)) {
      out.push({ kind: 'url', source: arg, name: urlName(arg), identity: await urlIdentity(arg, options) });
      continue;
    }
    const path = resolve(arg);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch {
      throw new Error(`${arg}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const before = out.length;
      walk(path, out);
      if (out.length === before) throw new Error(`${arg}: no slide files in this folder`);
    } else out.push(fileInput(path));
  }
  const seen = new Set<string>();
  return out.filter((s) => !seen.has(s.source) && seen.add(s.source));
}

/**
 * Gives every slide a unique output name. A name shared by two different sources in the batch,
 * or already used in the output folder by another source (`owners`: name → source), gets the short
 * hash of the source appended; the hash depends on the source only, so it is the same every run.
 */
export function assignNames(slides: SlideInput[], owners: Map<string, string> = new Map()): SlideInput[] {
  const count = new Map<string, Set<string>>();
  for (const s of slides) {
    const set = count.get(s.name) ?? new Set();
    set.add(s.source);
    count.set(s.name, set);
  }
  return slides.map((s) => {
    const owner = owners.get(s.name);
    // the slide that already owns the plain name in the output folder keeps it
    const keeps = owner === undefined ? (count.get(s.name)?.size ?? 0) === 1 : owner === s.source;
    return keeps ? s : { ...s, name: `${s.name}-${shortHash(s.source)}` };
  });
}
