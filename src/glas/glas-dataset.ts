// A GlaS-style dataset folder (Sirinukunwattana et al. 2017): `img/<name>.png`, `mask/<name>.png`
// (8-bit gland instance labels, 0 = background) and `Grade.csv` with at least the columns `name`,
// `patient_id` and `grade_glas` (benign | malignant). This file holds the pure parts (the CSV, the
// patient-wise split, the per-pixel classes); scripts/glas/glas-folder.ts reads the files.

import type { Grade } from './grade-rule';
import type { LabelImage } from './label-image';

export interface GlasRow {
  name: string;
  patientId: string;
  grade: Grade;
}

export class GlasDataError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'GlasDataError';
  }
}

export const GLAS_LIMITS = { maxRows: 10_000, maxCsvBytes: 4 << 20 };

function splitCsvLine(line: string): string[] {
  // Grade.csv has no quoted fields; a quote means a file this reader does not understand
  if (line.includes('"')) throw new Error('quoted fields are not supported');
  return line.split(',').map((c) => c.trim());
}

export function parseGradeCsv(text: string, file: string): GlasRow[] {
  if (text.length > GLAS_LIMITS.maxCsvBytes)
    throw new GlasDataError(file, `larger than ${GLAS_LIMITS.maxCsvBytes} bytes`);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  const col = (n: string) => {
    const i = header.indexOf(n);
    if (i < 0) throw new GlasDataError(file, `no "${n}" column (header: ${header.join(', ')})`);
    return i;
  };
  const [ni, pi, gi] = [col('name'), col('patient_id'), col('grade_glas')];
  const rows: GlasRow[] = [];
  const seen = new Set<string>();
  for (let k = 1; k < lines.length; k++) {
    if (lines[k].trim() === '') continue;
    if (rows.length >= GLAS_LIMITS.maxRows)
      throw new GlasDataError(file, `more than ${GLAS_LIMITS.maxRows} rows`);
    let cells: string[];
    try {
      cells = splitCsvLine(lines[k]);
    } catch (e) {
      throw new GlasDataError(file, `line ${k + 1}: ${(e as Error).message}`);
    }
    if (cells.length < header.length) {
      throw new GlasDataError(file, `line ${k + 1}: ${cells.length} fields, the header has ${header.length}`);
    }
    const name = cells[ni];
    const grade = cells[gi].toLowerCase();
    if (!/^[\w.-]+$/.test(name)) throw new GlasDataError(file, `line ${k + 1}: bad image name "${name}"`);
    if (grade !== 'benign' && grade !== 'malignant') {
      throw new GlasDataError(
        file,
        `line ${k + 1}: unknown grade "${cells[gi]}" for ${name} (benign | malignant)`,
      );
    }
    if (cells[pi] === '') throw new GlasDataError(file, `line ${k + 1}: ${name} has no patient_id`);
    if (seen.has(name)) throw new GlasDataError(file, `line ${k + 1}: ${name} listed twice`);
    seen.add(name);
    rows.push({ name, patientId: cells[pi], grade });
  }
  if (rows.length === 0) throw new GlasDataError(file, 'no rows');
  return rows;
}

/**
 * The validation patients of the GlaS training images, chosen once (before any training) so that
 * the validation side holds about a quarter of the images and both grades: patients 3 (4 benign, 4
 * malignant), 5 (4 benign), 6 (4 malignant), 11 (4 malignant), 13 (1 benign) = 21 of 85 images
 * (9 benign, 12 malignant).
 */
export const DEFAULT_VAL_PATIENTS = ['3', '5', '6', '11', '13'];

/** Patient-wise split: no patient on both sides. */
export function patientSplit(
  rows: GlasRow[],
  valPatients: readonly string[],
): { train: GlasRow[]; val: GlasRow[] } {
  const v = new Set(valPatients);
  const train = rows.filter((r) => !v.has(r.patientId));
  const val = rows.filter((r) => v.has(r.patientId));
  const trainPatients = new Set(train.map((r) => r.patientId));
  for (const r of val)
    if (trainPatients.has(r.patientId)) throw new Error(`patient ${r.patientId} on both sides`);
  return { train, val };
}

/** Patients that two row sets share (test part A shares most of its patients with training). */
export function sharedPatients(a: GlasRow[], b: GlasRow[]): string[] {
  const pa = new Set(a.map((r) => r.patientId));
  return [...new Set(b.map((r) => r.patientId))]
    .filter((p) => pa.has(p))
    .sort((x, y) => Number(x) - Number(y));
}

/** Per-pixel class of the task: 0 background, 1 benign gland, 2 malignant gland. */
export const GLAS_CLASSES = ['background', 'benign gland', 'malignant gland'] as const;

export function classMask(mask: LabelImage, grade: Grade): Uint8Array {
  const out = new Uint8Array(mask.data.length);
  const gland = grade === 'malignant' ? 2 : 1;
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i] ? gland : 0;
  return out;
}
