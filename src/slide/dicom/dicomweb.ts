// A DICOM WSI series straight from a DICOMweb (WADO-RS) server:
//   <base>/studies/<StudyUID>/series/<SeriesUID>
// Metadata from …/series/<uid>/metadata; frames from …/instances/<uid>/frames/<n,m,…>, asked for
// many at a time: the tile requests of a view arriving within a few milliseconds share one request
// per instance. Frames are asked for with transfer-syntax=* and decoded by what their bytes are
// (Google's Healthcare API needs that). 401/403 and CORS refusals get sentences that say what to do;
// dropped connections are retried. A bearer token is sent when given, and kept in memory only.

import { abortError, isAbortError, SlideError } from '../slide-error';
import type { SlideReader } from '../slide-reader';
import { type DicomJson, fromJson, T } from './dicom-attrs';
import { SERIES_PATH } from './dicom-detect';
import type { FrameSource } from './dicom-level';
import { buildPyramid, type DicomInstance } from './dicom-series';
import { multipartBoundary, parseMultipart } from './multipart';
import { type DicomOpenOptions, pyramidSlide } from './open-dicom';

export interface DicomWebOptions extends DicomOpenOptions {
  fetchImpl?: typeof fetch;
  bearerToken?: string;
  /** most frames in one request (default 64) */
  maxFramesPerRequest?: number;
  /** how long tile requests are collected before asking, ms (default 4) */
  batchWindowMs?: number;
  retryBaseMs?: number;
}

export { isDicomWebSeriesUrl } from './dicom-detect';

export const DICOMWEB_CORS_HELP =
  'A DICOMweb server on another origin must send Access-Control-Allow-Origin (this page’s origin), ' +
  'Access-Control-Allow-Headers: Authorization, Accept (answering the OPTIONS preflight), and ' +
  'Access-Control-Expose-Headers: Content-Type; or serve the viewer and /dicom-web from one origin (a proxy).';

const FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';

interface Pending {
  frame: number;
  resolve: (b: Uint8Array) => void;
  reject: (e: unknown) => void;
}

export async function openDicomWeb(url: string, o: DicomWebOptions): Promise<SlideReader> {
  const m = SERIES_PATH.exec(url.split(/[?#]/)[0]);
  if (!m)
    throw new SlideError(
      'bad-request',
      `${url} is not a DICOMweb series URL (…/studies/<uid>/series/<uid>).`,
    );
  const seriesUrl = m[0].replace(/\/$/, '');
  const client = new DicomWebClient(o);
  const res = await client.fetch(`${seriesUrl}/metadata`, 'application/dicom+json', o.signal, 'its metadata');
  let json: unknown;
  try {
    json = await res.json();
  } catch (e) {
    throw new SlideError('corrupt', `The DICOMweb server's metadata for ${url} is not JSON.`, { cause: e });
  }
  if (!Array.isArray(json) || json.length === 0) {
    throw new SlideError('corrupt', `The DICOMweb server sent no instances for the series ${url}.`);
  }
  const instances: DicomInstance[] = (json as DicomJson[]).map((obj) => {
    const attrs = fromJson(obj);
    return {
      name: attrs.string(T.SOPInstanceUID) ?? 'instance',
      attrs,
      transferSyntax: '*',
      frameCount: attrs.number(T.NumberOfFrames) ?? 1,
    };
  });
  const pyramid = buildPyramid(instances, o.limits, `The series ${url}`);
  const frames = new FrameBatcher(client, seriesUrl, instances, o);
  const name = o.name ?? `DICOMweb series …${m[3].slice(-12)}`;
  return pyramidSlide(pyramid, frames, o, name, null);
}

class DicomWebClient {
  readonly fetchImpl: typeof fetch;
  requests = 0;
  constructor(private readonly o: DicomWebOptions) {
    this.fetchImpl = o.fetchImpl ?? globalThis.fetch.bind(globalThis);
  }

  /** GET with the token and retries of transient failures; refusals become sentences. */
  async fetch(url: string, accept: string, signal: AbortSignal | undefined, what: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    if (this.o.bearerToken) headers.Authorization = `Bearer ${this.o.bearerToken}`;
    const retries = this.o.limits.maxRetries;
    const base = this.o.retryBaseMs ?? 200;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw abortError(signal);
      let res: Response;
      try {
        this.requests++;
        res = await this.fetchImpl(url, { headers, signal });
      } catch (e) {
        if (isAbortError(e)) throw e;
        if (attempt < retries) {
          await sleep(base * 2 ** attempt, signal);
          continue;
        }
        throw new SlideError(
          'cors',
          `The DICOMweb server could not be reached for ${what} (${(e as Error).message}): it is down, or it refused this page (CORS). ${DICOMWEB_CORS_HELP}`,
          { cause: e },
        );
      }
      if (res.ok) return res;
      await res.body?.cancel().catch(() => {});
      if ([408, 429, 500, 502, 503, 504].includes(res.status) && attempt < retries) {
        await sleep(base * 2 ** attempt, signal);
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw new SlideError(
          'unauthorized',
          res.status === 401
            ? `The DICOMweb server wants you to sign in for ${what} (HTTP 401): paste an access token (Bearer) into the token field and open the series again.`
            : `The DICOMweb server refused access to ${what} (HTTP 403): your token does not allow reading this series.`,
        );
      }
      if (res.status === 404) {
        throw new SlideError(
          'http-status',
          `The DICOMweb server has no ${what} (HTTP 404): check the study and series UIDs and the base URL.`,
        );
      }
      throw new SlideError('http-status', `The DICOMweb server answered HTTP ${res.status} for ${what}.`);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(abortError(signal));
      },
      { once: true },
    );
  });
}

/**
 * Collects frame requests for a few milliseconds and asks for them together, one request per
 * instance of up to maxFramesPerRequest frames. A request is shared: one tile's caller giving up
 * does not cancel the others' frames (each caller stops waiting on its own signal).
 */
export class FrameBatcher implements FrameSource {
  private queue = new Map<number, Pending[]>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly inFlight = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly client: DicomWebClient,
    private readonly seriesUrl: string,
    private readonly instances: DicomInstance[],
    private readonly o: DicomWebOptions,
  ) {}

  get requests(): number {
    return this.client.requests;
  }

  frame(instance: number, frame: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new SlideError('closed', 'This slide has been closed.'));
    const key = `${instance}/${frame}`;
    let p = this.inFlight.get(key);
    if (!p) {
      p = new Promise<Uint8Array>((resolve, reject) => {
        const list = this.queue.get(instance) ?? [];
        list.push({ frame, resolve, reject });
        this.queue.set(instance, list);
        this.timer ??= setTimeout(() => this.flush(), this.o.batchWindowMs ?? 4);
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    if (!signal) return p;
    if (signal.aborted) return Promise.reject(abortError(signal));
    const shared = p;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private flush(): void {
    this.timer = null;
    const max = this.o.maxFramesPerRequest ?? 64;
    for (const [instance, list] of this.queue) {
      for (let i = 0; i < list.length; i += max) void this.fetchBatch(instance, list.slice(i, i + max));
    }
    this.queue.clear();
  }

  private async fetchBatch(instance: number, batch: Pending[]): Promise<void> {
    const uid = this.instances[instance].attrs.string(T.SOPInstanceUID);
    const numbers = batch.map((b) => b.frame + 1);
    const url = `${this.seriesUrl}/instances/${uid}/frames/${numbers.join(',')}`;
    const what = `frame${numbers.length > 1 ? 's' : ''} ${numbers.join(',')} of instance …${(uid ?? '').slice(-12)}`;
    const retries = this.o.limits.maxRetries;
    for (let attempt = 0; ; attempt++) {
      try {
        const parts = await this.fetchFrames(url, what, numbers.length);
        for (const [i, b] of batch.entries()) b.resolve(parts[i]);
        return;
      } catch (e) {
        // a connection dropped mid-answer (a body cut short) is worth another try
        const transient = e instanceof SlideError && e.code === 'network';
        if (transient && attempt < retries && !this.closed) {
          await sleep((this.o.retryBaseMs ?? 200) * 2 ** attempt).catch(() => {});
          continue;
        }
        for (const b of batch) b.reject(e);
        return;
      }
    }
  }

  private async fetchFrames(url: string, what: string, count: number): Promise<Uint8Array[]> {
    const timeout = AbortSignal.timeout(this.o.limits.readTimeoutMs);
    const res = await this.client.fetch(url, FRAME_ACCEPT, timeout, what);
    const type = res.headers.get('Content-Type');
    let body: Uint8Array;
    try {
      body = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new SlideError('network', `The answer for ${what} broke off: ${(e as Error).message}.`, {
        cause: e,
      });
    }
    const boundary = multipartBoundary(type);
    if (!boundary) {
      // lenient: one frame sent bare as an image or octet stream
      if (count === 1 && type && /^(image\/|application\/octet-stream)/i.test(type) && body.byteLength > 0) {
        return [body];
      }
      throw new SlideError(
        'corrupt',
        `The DICOMweb server answered ${what} with ${type ?? 'no Content-Type'}, not multipart/related: it is not a WADO-RS frames answer.`,
      );
    }
    const parts = parseMultipart(body, boundary);
    if (parts.length < count) {
      throw new SlideError(
        'network',
        `The answer for ${what} holds ${parts.length} of ${count} frames (cut short).`,
      );
    }
    return parts.slice(0, count).map((p) => p.body);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const list of this.queue.values())
      for (const p of list) p.reject(new SlideError('closed', 'This slide has been closed.'));
    this.queue.clear();
  }
}
