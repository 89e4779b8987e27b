// Opens slides and keeps the store, the viewer and the URL in step. No React: the UI and the
// scripting API (window.mrnViewer) both drive the app through this one object.

import type { RgbaImage, SlideMetadata } from '../slide/slide-types';
import { isAbortError } from '../util/abort';
import { errorMessage } from '../util/error-message';
import type { ViewState } from '../viewer/view-math';
import type { SlideViewer, ViewerStats } from '../viewer/viewer-controller';
import type { SlideInput, SlideOpener, ViewerSlide } from '../viewer/viewer-slide';
import { type AppState, appStore, getState, setState } from './app-store';
import { readUrlState, writeSlideParam, writeViewParam } from './url-state';

export interface RegionQuery {
  x: number;
  y: number;
  width: number;
  height: number;
  /** µm per output pixel (needs the slide's mpp) */
  mpp?: number;
  /** level-0 pixels per output pixel (default 1) */
  downsample?: number;
  signal?: AbortSignal;
}

export interface SessionStats extends ViewerStats {
  openMs: number | null;
}

const URL_WRITE_DELAY_MS = 300;

function inputLabel(input: SlideInput): string {
  if (typeof input === 'string') return decodeURIComponent(input.split(/[?#]/)[0].split('/').pop() || input);
  if (input instanceof File) return input.name;
  if (Array.isArray(input)) return `${input.length} files`;
  return 'slide';
}

export class SlideSession {
  private slide: ViewerSlide | null = null;
  private openController: AbortController | null = null;
  private openMs: number | null = null;
  private urlTimer: ReturnType<typeof setTimeout> | null = null;
  private tileFailures = 0;

  constructor(
    readonly viewer: SlideViewer,
    private readonly opener: SlideOpener,
  ) {}

  /** Viewer callbacks, wired by whoever creates the SlideViewer. */
  readonly viewerCallbacks = {
    onView: (view: ViewState) => {
      setState({ view });
      this.scheduleUrlWrite();
    },
    onTileError: (message: string) => {
      this.tileFailures++;
      setState({
        notice: {
          kind: 'warning',
          message: `${this.tileFailures} tile${this.tileFailures === 1 ? '' : 's'} could not be loaded: ${message}`,
          retryTiles: true,
        },
      });
    },
  };

  /** Opens a URL, File or Blob; resolves with the state once the slide is shown (or the error is). */
  async open(input: SlideInput, view?: ViewState | null): Promise<AppState> {
    this.openController?.abort();
    const controller = new AbortController();
    this.openController = controller;
    const startedAt = performance.now();
    this.closeSlide();
    setState({
      status: 'loading',
      error: null,
      notice: null,
      loadingLabel: inputLabel(input),
      metadata: null,
      slideUrl: null,
      view: null,
      mppPromptOpen: false,
    });
    this.tileFailures = 0;
    let slide: ViewerSlide | null = null;
    try {
      slide = await this.opener(input, controller.signal);
      if (controller.signal.aborted) {
        slide.close();
        return getState();
      }
      this.openMs = performance.now() - startedAt;
      this.slide = slide;
      await this.viewer.open(slide, startedAt, view);
      if (controller.signal.aborted) return getState();
      const metadata: SlideMetadata = { ...slide.metadata };
      const slideUrl = typeof input === 'string' ? input : null;
      // the deep link is the slide's by the time anyone sees 'ready'
      writeSlideParam(slideUrl, !!view);
      setState({
        status: 'ready',
        loadingLabel: null,
        metadata,
        slideUrl,
        mppPromptOpen: metadata.mpp === null,
      });
    } catch (e) {
      if (controller.signal.aborted || isAbortError(e)) return getState();
      slide?.close();
      this.slide = null;
      this.viewer.close();
      const message = errorMessage(e);
      setState({
        status: 'error',
        error: message,
        loadingLabel: null,
        metadata: null,
        slideUrl: null,
        notice: { kind: 'error', message: `Could not open ${inputLabel(input)}: ${message}` },
      });
    }
    return getState();
  }

  close(): void {
    this.openController?.abort();
    this.closeSlide();
    setState({
      status: 'idle',
      metadata: null,
      slideUrl: null,
      view: null,
      error: null,
      notice: null,
      mppPromptOpen: false,
    });
  }

  private closeSlide(): void {
    this.viewer.close();
    this.slide?.close();
    this.slide = null;
    this.openMs = null;
  }

  /** Sets µm per level-0 pixel when the file does not say (or says wrong). */
  setMpp(mpp: number): void {
    if (!(Number.isFinite(mpp) && mpp > 0)) throw new RangeError(`mpp must be a positive number, got ${mpp}`);
    const metadata = getState().metadata;
    if (!metadata) throw new Error('No slide is open.');
    setState({ metadata: { ...metadata, mpp, mppSource: 'user' }, mppPromptOpen: false });
  }

  retryFailedTiles(): void {
    this.tileFailures = 0;
    setState({ notice: null });
    this.viewer.retryFailedTiles();
  }

  async readRegion(q: RegionQuery): Promise<RgbaImage> {
    const slide = this.slide;
    const metadata = getState().metadata;
    if (!slide || !metadata) throw new Error('No slide is open.');
    let downsample = q.downsample ?? 1;
    if (q.mpp !== undefined) {
      if (metadata.mpp === null)
        throw new Error('This slide has no mpp; call setMpp first or pass downsample.');
      downsample = q.mpp / metadata.mpp;
    }
    if (!(downsample > 0) || !Number.isFinite(downsample)) throw new RangeError('downsample must be > 0');
    for (const k of ['x', 'y', 'width', 'height'] as const) {
      if (!Number.isFinite(q[k])) throw new RangeError(`${k} must be a finite number`);
    }
    return slide.readRegion({
      x: q.x,
      y: q.y,
      width: Math.round(q.width),
      height: Math.round(q.height),
      downsample,
      signal: q.signal,
    });
  }

  /** metadata.associated[index] (a DICOM label, overview or thumbnail), scaled to fit maxSize² */
  async readAssociated(index: number, maxSize: number, signal?: AbortSignal): Promise<RgbaImage> {
    const slide = this.slide;
    const list = getState().metadata?.associated ?? [];
    if (!slide || !getState().metadata) throw new Error('No slide is open.');
    if (!Number.isInteger(index) || index < 0 || index >= list.length || !slide.readAssociated) {
      throw new RangeError(`This slide has ${list.length} associated images; there is no image ${index}.`);
    }
    return slide.readAssociated({ index, maxSize, signal });
  }

  async stats(): Promise<SessionStats> {
    return { openMs: this.openMs, ...(await this.viewer.stats()) };
  }

  /**
   * Resolves when a slide is open and its current view fully drawn; rejects if opening failed.
   * Waits for the next open when nothing is open.
   */
  ready(signal?: AbortSignal): Promise<AppState> {
    return new Promise((resolve, reject) => {
      let done = false;
      const check = (s: AppState) => {
        if (done) return;
        if (s.status === 'error') {
          done = true;
          unsubscribe();
          reject(new Error(s.error ?? 'Could not open the slide.'));
        } else if (s.status === 'ready') {
          done = true;
          unsubscribe();
          this.viewer.whenFullyLoaded(signal).then(() => resolve(getState()), reject);
        }
      };
      const unsubscribe = appStore.subscribe(check);
      check(getState());
    });
  }

  /** Opens the deep link's `?slide=` at its `x=&y=&zoom=`, if there is one. */
  openFromUrl(): Promise<AppState> | null {
    const { slide, view } = readUrlState();
    return slide ? this.open(slide, view) : null;
  }

  private scheduleUrlWrite(): void {
    if (this.urlTimer) clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => {
      this.urlTimer = null;
      const view = this.viewer.getView(true);
      if (view && getState().status === 'ready') writeViewParam(view);
    }, URL_WRITE_DELAY_MS);
  }
}
