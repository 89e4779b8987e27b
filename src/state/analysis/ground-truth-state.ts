// Ground truth for the open slide, per output channel: an annotation file (ASAP XML, GeoJSON,
// NCRF JSON) is tumour truth; a label-mask image (PNG/TIFF aligned to the slide, non-zero =
// positive; src/glas/label-mask.ts) is gland truth, and tumour truth as its grade says (malignant:
// the mask; benign: empty; unknown: none). The grade comes with the mask (API option) or from a
// Grade.csv given beside it (the row whose `name` is the slide's or the mask's file stem).
// Sidecars of a slide URL: `<name>.geojson`, and for a GlaS-style folder `…/img/<stem>.png` its
// `…/mask/<stem>.png` with `…/Grade.csv`. A sidecar is parsed whatever Content-Type the server
// sends (a default nginx says application/octet-stream for .geojson); only a missing file is silent.

import {
  type GroundTruth,
  groundTruthFromAnnotations,
  groundTruthFromMask,
  sidecarUrl,
  type TruthChannel,
} from '../../analysis/ground-truth';
import { parseAnnotations } from '../../annotations/parse-annotations';
import { parseGradeCsv } from '../../glas/glas-dataset';
import type { Grade } from '../../glas/grade-rule';
import { labelMaskTruths, parseLabelMask } from '../../glas/label-mask';
import type { SlideMetadata } from '../../slide/slide-types';
import { setAnalysis, type TruthInfo } from '../analysis-store';
import { errorText, type Notify } from './notify';
import type { SlideContext } from './slide-context';

export type { TruthInfo };

export type FetchText = (
  url: string,
  init: { signal?: AbortSignal },
) => Promise<Pick<Response, 'ok' | 'text'> & Partial<Pick<Response, 'arrayBuffer'>>>;

export interface MaskOptions {
  /** the image's grade; else looked up in `gradeCsv` */
  grade?: Grade | null;
  /** Grade.csv text (columns name, patient_id, grade_glas) */
  gradeCsv?: string | null;
  /** the slide's name (its file stem is looked up in Grade.csv) */
  slideName?: string | null;
}

const stem = (name: string) => (name.split('/').pop() ?? name).replace(/\.[^.]+$/, '');

/** The grade of `names` (file names; the first found wins) in Grade.csv text; null when absent. */
export function gradeFromCsv(csv: string, file: string, names: (string | null | undefined)[]): Grade | null {
  const rows = parseGradeCsv(csv, file);
  for (const n of names) {
    const row = n ? rows.find((r) => r.name === stem(n)) : undefined;
    if (row) return row.grade;
  }
  return null;
}

/** The label-mask and Grade.csv sidecars of a GlaS-style slide URL (`…/img/<stem>.png`); null otherwise. */
export function maskSidecarUrls(slideUrl: string): { mask: string; grades: string } | null {
  const path = slideUrl.split(/[?#]/)[0];
  const m = /^(.*\/)img\/([^/]+)\.(png|tiff?|jpe?g|bmp)$/i.exec(path);
  return m ? { mask: `${m[1]}mask/${m[2]}.png`, grades: `${m[1]}Grade.csv` } : null;
}

/** A single-page server answers a missing file with its index page: that is no sidecar. */
const looksLikeHtml = (text: string) => /^\s*<(!doctype html|html)/i.test(text);

/**
 * The sidecar's text beside `slideUrl` (demo.tiff → demo.geojson), or null when there is none
 * (no URL, 404, network refusal). Rejects only when `signal` aborts.
 */
export async function fetchSidecar(
  slideUrl: string | null,
  signal: AbortSignal,
  fetchText: FetchText = (url, init) => fetch(url, init),
): Promise<{ url: string; name: string; text: string } | null> {
  const url = slideUrl ? sidecarUrl(slideUrl) : null;
  if (!url) return null;
  try {
    const res = await fetchText(url, { signal });
    if (!res.ok) return null;
    const text = await res.text();
    return looksLikeHtml(text) ? null : { url, name: url.split('/').pop() || 'ground truth', text };
  } catch (e) {
    if (signal.aborted) throw e;
    return null;
  }
}

export class GroundTruthState {
  private current: Partial<Record<TruthChannel, GroundTruth>> = {};

  constructor(
    /** the truth changed (overlays redraw, Dice/IoU are counted again) */
    private readonly onChange: () => void = () => {},
    private readonly fetchText?: FetchText,
  ) {}

  /** The tumour truth (what single-output models are scored against). */
  get truth(): GroundTruth | null {
    return this.current.tumour ?? null;
  }

  /** The truth for an output channel (null when none was given for it). */
  truthFor(channel: string): GroundTruth | null {
    return this.current[channel as TruthChannel] ?? null;
  }

  get any(): boolean {
    return Object.keys(this.current).length > 0;
  }

  /** Parses annotation text (ASAP XML, GeoJSON, NCRF JSON; level-0 coordinates) as tumour truth; throws on bad input. */
  set(text: string, name: string, slide: SlideMetadata): TruthInfo {
    const set = parseAnnotations(text, name);
    if (set.regions.length === 0) throw new Error(`${name} has no regions`);
    this.current = { tumour: groundTruthFromAnnotations(set, slide, name) };
    const info: TruthInfo = { name, regions: set.regions.length, channels: ['tumour'] };
    setAnalysis({ groundTruth: info });
    this.onChange();
    return info;
  }

  /**
   * A label-mask image (PNG or TIFF bytes, aligned to the slide) as gland truth, and as tumour
   * truth when the grade is known (malignant: the mask; benign: empty). Throws naming the file.
   */
  async setMask(
    bytes: Uint8Array,
    name: string,
    slide: SlideMetadata,
    o: MaskOptions = {},
  ): Promise<TruthInfo> {
    const grid = await parseLabelMask(bytes, name, slide);
    let grade = o.grade ?? null;
    if (!grade && o.gradeCsv)
      grade = gradeFromCsv(o.gradeCsv, 'Grade.csv', [o.slideName ?? slide.name, name]);
    const t = labelMaskTruths(grid, grade);
    this.current = {
      gland: groundTruthFromMask(t.gland, name, 'gland'),
      ...(t.tumour ? { tumour: groundTruthFromMask(t.tumour, name, 'tumour') } : {}),
    };
    const info: TruthInfo = { name, regions: 0, channels: t.tumour ? ['gland', 'tumour'] : ['gland'], grade };
    setAnalysis({ groundTruth: info });
    this.onChange();
    return info;
  }

  clear(): void {
    const had = this.any;
    this.current = {};
    setAnalysis({ groundTruth: null });
    if (had) this.onChange();
  }

  /**
   * Loads the sidecar of a newly opened slide, unless truth was given meanwhile; a sidecar that
   * does not parse is reported. `isCurrent` says whether the slide is still the open one.
   */
  async loadSidecar(ctx: SlideContext, isCurrent: () => boolean, notify: Notify): Promise<void> {
    const found = await fetchSidecar(ctx.slideUrl, ctx.signal, this.fetchText).catch(() => null);
    if (found && isCurrent() && !this.any) {
      try {
        this.set(found.text, found.name, ctx.metadata);
      } catch (e) {
        notify('warning', `The slide's ground truth ${found.name} could not be read: ${errorText(e)}`);
      }
    }
    const urls = ctx.slideUrl ? maskSidecarUrls(ctx.slideUrl) : null;
    if (!urls || !isCurrent() || this.any) return;
    const fetchText = this.fetchText ?? ((url, init) => fetch(url, init));
    const get = async (url: string) => {
      try {
        const r = await fetchText(url, { signal: ctx.signal });
        return r.ok ? r : null;
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        return null;
      }
    };
    const [mask, grades] = await Promise.all([get(urls.mask), get(urls.grades)]);
    if (!mask?.arrayBuffer || !isCurrent() || this.any) return;
    const name = urls.mask.split('/').slice(-2).join('/');
    try {
      const bytes = new Uint8Array(await mask.arrayBuffer());
      const csv = grades ? await grades.text() : null;
      const info = await this.setMask(bytes, name, ctx.metadata, {
        gradeCsv: csv,
        slideName: ctx.metadata.name,
      });
      if (!info.grade)
        notify(
          'warning',
          `${name}: gland truth only; the grade of ${ctx.metadata.name} is not known (no Grade.csv row), so there is no tumour truth.`,
        );
    } catch (e) {
      if (!ctx.signal.aborted)
        notify('warning', `The slide's mask ${name} could not be read: ${errorText(e)}`);
    }
  }
}
