// Sorts files dropped or picked together (folders included) before anything opens: slide files,
// annotation files, label masks (+ a Grade.csv), model files, batch-output folders. A slide with
// its annotation or label mask is one slide plus its truth; files of two different slides are
// refused (DICOM series are checked again when the files are parsed). Decided by name and path,
// plus the first bytes of files whose name says nothing.
//
// A label mask is a PNG/TIFF in a `mask/` folder or named `*_mask.*`, `*.mask.*`, `*_anno.*`,
// `*_labels.*`; or, beside another image, a greyscale PNG (GlaS masks are 8-bit grey label
// images, their slides RGB, and both are called `testA_1.png`).

export type FileKind = 'slide' | 'annotation' | 'mask' | 'grades' | 'model' | 'batch-output' | 'other';

export interface SortedFiles {
  /** one slide: a single TIFF-like file, or the DICOM files of one series */
  slide: File[];
  annotations: File[];
  /** label-mask images (ground truth aligned to the slide) */
  masks: File[];
  /** a Grade.csv (name, patient_id, grade_glas): the grade of a label mask's image */
  grades: File[];
  models: File[];
  /** folders holding batch results (manifest.json with heatmap.bin.gz; '' for loose files) */
  batchOutputs: string[];
  /** the result files of those folders, for the viewer to open over the slide */
  batchFiles: File[];
  ignored: File[];
  /** a sentence when the files hold more than one slide; nothing should open then */
  conflict: string | null;
}

const SLIDE_EXT = /\.(tiff?|svs|btf|tf8|ome\.tiff?|ndpi|scn|bif|vms|mrxs|dcm|dicom|png|jpe?g|bmp|webp)$/i;
const MASK_NAME = /((^|\/)masks?\/[^/]+|[._-](mask|anno|labels?))\.(png|tiff?)$/i;
const GRADES_NAME = /(^|\/)grades?[^/]*\.csv$/i;
const ANNOTATION_EXT = /\.(xml|geojson|json)$/i;
const MODEL_NAMES = /(^|\/)(model\.json|card\.json|group\d+-shard\d+of\d+(\.bin)?|[^/]+\.onnx)$/i;
/** the files of a batch result folder (src/heatmap/batch-result.ts FILE_NAMES) */
const BATCH_FILES = /^(manifest\.json|summary\.json|heatmap\.bin\.gz|regions\.geojson|heatmap\.png)$/i;

/** The path within a dropped folder, or the bare name. */
export function pathOf(f: File): string {
  return (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
}

async function isDicom(f: File): Promise<boolean> {
  if (f.size < 132) return false;
  const b = new Uint8Array(await f.slice(128, 132).arrayBuffer());
  return String.fromCharCode(...b) === 'DICM';
}

/** PNG colour type 0 (grey) or 4 (grey + alpha): a label image, not a stained slide. */
async function isGreyPng(f: File): Promise<boolean> {
  if (f.size < 33) return false;
  const b = new Uint8Array(await f.slice(0, 26).arrayBuffer());
  return b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && (b[25] === 0 || b[25] === 4);
}

async function isTiff(f: File): Promise<boolean> {
  const b = new Uint8Array(await f.slice(0, 4).arrayBuffer());
  return (b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d);
}

const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const baseOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** A result file in a folder (or among loose files) that holds a manifest and a heatmap. */
const isBatchFile = (p: string, batchDirs: Set<string>) =>
  batchDirs.has(dirOf(p)) && BATCH_FILES.test(baseOf(p));

export async function classify(f: File, batchDirs: Set<string>): Promise<FileKind> {
  const p = pathOf(f);
  if (isBatchFile(p, batchDirs)) return 'batch-output';
  if (MODEL_NAMES.test(p)) return 'model';
  if (GRADES_NAME.test(p)) return 'grades';
  if (MASK_NAME.test(p)) return 'mask';
  if (SLIDE_EXT.test(p)) return 'slide';
  if (ANNOTATION_EXT.test(p)) return 'annotation';
  // DICOM files are often named by UID, without an extension
  if ((await isDicom(f)) || (await isTiff(f))) return 'slide';
  return 'other';
}

export async function sortFiles(files: File[]): Promise<SortedFiles> {
  // a folder (or the loose files) is a batch output when it holds a manifest and a heatmap file;
  // only its result files are results: a slide beside them is still the slide
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const p = pathOf(f);
    const d = dirOf(p);
    byDir.set(d, (byDir.get(d) ?? new Set()).add(baseOf(p).toLowerCase()));
  }
  const batchDirs = new Set(
    [...byDir]
      .filter(([, names]) => names.has('manifest.json') && names.has('heatmap.bin.gz'))
      .map(([d]) => d),
  );
  const out: SortedFiles = {
    slide: [],
    annotations: [],
    masks: [],
    grades: [],
    models: [],
    batchOutputs: [...batchDirs].sort(),
    batchFiles: [],
    ignored: [],
    conflict: null,
  };
  const kinds = await Promise.all(files.map((f) => classify(f, batchDirs)));
  const slides: File[] = [];
  files.forEach((f, i) => {
    const k = kinds[i];
    if (k === 'slide') slides.push(f);
    else if (k === 'annotation') out.annotations.push(f);
    else if (k === 'mask') out.masks.push(f);
    else if (k === 'grades') out.grades.push(f);
    else if (k === 'model') out.models.push(f);
    else if (k === 'batch-output') out.batchFiles.push(f);
    else if (k === 'other') out.ignored.push(f);
  });
  // beside another image, a greyscale PNG is its label mask
  if (slides.length > 1) {
    const grey = await Promise.all(slides.map(isGreyPng));
    if (grey.some((g) => !g)) {
      out.masks.push(...slides.filter((_, i) => grey[i]));
      const rest = slides.filter((_, i) => !grey[i]);
      slides.length = 0;
      slides.push(...rest);
    }
  }
  const dicom = await Promise.all(slides.map(isDicom));
  const single = slides.filter((_, i) => !dicom[i]);
  const series = slides.filter((_, i) => dicom[i]);
  if (single.length > 1 || (single.length === 1 && series.length > 0)) {
    const names = slides.slice(0, 3).map(pathOf).join(', ');
    out.conflict = `These files are ${single.length + (series.length ? 1 : 0)} different slides (${names}${slides.length > 3 ? ', …' : ''}); open one slide at a time.`;
    return out;
  }
  out.slide = single.length ? single : series;
  return out;
}
