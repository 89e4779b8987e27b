// Ground truth for the open slide: from an annotation file the user loads, or from the slide's
// `<name>.geojson` sidecar. The sidecar is parsed whatever Content-Type the server sends (a default
// nginx says application/octet-stream for .geojson); only a missing file is silent.

import { type GroundTruth, groundTruthFromAnnotations, sidecarUrl } from '../../analysis/ground-truth';
import { parseAnnotations } from '../../annotations/parse-annotations';
import type { SlideMetadata } from '../../slide/slide-types';
import { setAnalysis } from '../analysis-store';
import { errorText, type Notify } from './notify';
import type { SlideContext } from './slide-context';

export interface TruthInfo {
  name: string;
  regions: number;
}

export type FetchText = (
  url: string,
  init: { signal?: AbortSignal },
) => Promise<Pick<Response, 'ok' | 'text'>>;

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
  private current: GroundTruth | null = null;

  constructor(
    /** the truth changed (overlays redraw, Dice/IoU are counted again) */
    private readonly onChange: () => void = () => {},
    private readonly fetchText?: FetchText,
  ) {}

  get truth(): GroundTruth | null {
    return this.current;
  }

  /** Parses annotation text (ASAP XML, GeoJSON, NCRF JSON; level-0 coordinates); throws on bad input. */
  set(text: string, name: string, slide: SlideMetadata): TruthInfo {
    const set = parseAnnotations(text, name);
    if (set.regions.length === 0) throw new Error(`${name} has no regions`);
    this.current = groundTruthFromAnnotations(set, slide, name);
    const info = { name, regions: set.regions.length };
    setAnalysis({ groundTruth: info });
    this.onChange();
    return info;
  }

  clear(): void {
    const had = this.current !== null;
    this.current = null;
    setAnalysis({ groundTruth: null });
    if (had) this.onChange();
  }

  /**
   * Loads the sidecar of a newly opened slide, unless truth was given meanwhile; a sidecar that
   * does not parse is reported. `isCurrent` says whether the slide is still the open one.
   */
  async loadSidecar(ctx: SlideContext, isCurrent: () => boolean, notify: Notify): Promise<void> {
    const found = await fetchSidecar(ctx.slideUrl, ctx.signal, this.fetchText).catch(() => null);
    if (!found || !isCurrent() || this.current) return;
    try {
      this.set(found.text, found.name, ctx.metadata);
    } catch (e) {
      notify('warning', `The slide's ground truth ${found.name} could not be read: ${errorText(e)}`);
    }
  }
}
