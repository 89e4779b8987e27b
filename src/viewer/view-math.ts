// Pure arithmetic for the viewer chrome: magnification, scale bar, and the view kept in the URL.
// No OpenSeadragon here, so it is unit-testable in Node.

/** Microscope convention used by the app: 10 µm per screen pixel is 1× (so 0.25 µm/px at 100 % is 40×). */
export const MICRONS_PER_PX_AT_1X = 10;

/**
 * Magnification shown to the user.
 * @param mpp µm per level-0 pixel
 * @param imageZoom screen (CSS) pixels per level-0 pixel
 */
export function magnification(mpp: number, imageZoom: number): number {
  const mppOnScreen = mpp / imageZoom;
  return MICRONS_PER_PX_AT_1X / mppOnScreen;
}

export function formatMagnification(mag: number): string {
  if (!Number.isFinite(mag) || mag <= 0) return '–';
  if (mag >= 10) return `${trimZeros(mag.toFixed(1))}×`;
  if (mag >= 1) return `${trimZeros(mag.toFixed(2))}×`;
  return `${trimZeros(mag.toPrecision(2))}×`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

export interface ScaleBar {
  /** bar length in CSS pixels */
  px: number;
  /** physical length in µm */
  microns: number;
  label: string;
}

/**
 * Picks a 1-2-5 length whose bar is at most `maxPx` CSS pixels long.
 * @param micronsPerScreenPx µm covered by one CSS pixel at the current zoom
 */
export function scaleBar(micronsPerScreenPx: number, maxPx = 140): ScaleBar | null {
  if (!Number.isFinite(micronsPerScreenPx) || micronsPerScreenPx <= 0) return null;
  const maxMicrons = micronsPerScreenPx * maxPx;
  const pow = 10 ** Math.floor(Math.log10(maxMicrons));
  let microns = pow;
  for (const step of [5, 2, 1]) {
    if (step * pow <= maxMicrons) {
      microns = step * pow;
      break;
    }
  }
  return { px: microns / micronsPerScreenPx, microns, label: formatLength(microns) };
}

export function formatLength(microns: number): string {
  if (microns >= 1000) return `${trimZeros((microns / 1000).toPrecision(3))} mm`;
  if (microns >= 1) return `${trimZeros(microns.toPrecision(3))} µm`;
  return `${trimZeros((microns * 1000).toPrecision(3))} nm`;
}

/**
 * The view as kept in the URL and the scripting API, in level-0 terms:
 * x, y = centre of the view in level-0 pixels; zoom = CSS pixels per level-0 pixel (1 = full resolution).
 */
export interface ViewState {
  x: number;
  y: number;
  zoom: number;
}

export function parseViewParams(params: URLSearchParams): ViewState | null {
  const x = Number(params.get('x'));
  const y = Number(params.get('y'));
  const zoom = Number(params.get('zoom'));
  if (!params.has('x') || !params.has('y') || !params.has('zoom')) return null;
  if (![x, y, zoom].every(Number.isFinite) || zoom <= 0) return null;
  return { x, y, zoom };
}

/** Writes the view into `params` with sensible precision (pixels to 1, zoom to 4 significant digits). */
export function writeViewParams(params: URLSearchParams, view: ViewState): void {
  params.set('x', String(Math.round(view.x)));
  params.set('y', String(Math.round(view.y)));
  params.set('zoom', String(Number(view.zoom.toPrecision(4))));
}
