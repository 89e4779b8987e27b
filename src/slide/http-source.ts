// HTTP(S) byte source using Range requests, with clear messages for the ways servers fail:
// missing files, servers that ignore Range, CORS refusals and flaky networks.

import { errorMessage } from '../util/error-message';
import { type ByteSource, MemorySource } from './byte-source';
import { abortError, isAbortError, SlideError } from './slide-error';

export interface HttpSourceOptions {
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  readTimeoutMs: number;
  fullDownloadCapBytes: number;
  maxRetries: number;
  /** first probe length; also what a Range-honouring server sends for the header */
  probeBytes?: number;
  /** base backoff between retries, ms (doubles each time) */
  retryBaseMs?: number;
}

const CORS_HELP =
  'If the slide is on another server, that server must allow cross-origin range reads by sending ' +
  'Access-Control-Allow-Origin, Access-Control-Allow-Headers: Range, and ' +
  'Access-Control-Expose-Headers: Content-Range, Content-Length, Accept-Ranges.';

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 502 || status === 503 || status === 504;
}

export function statusError(status: number, statusText: string, url: string): SlideError {
  const what =
    status === 404
      ? 'was not found'
      : status === 401 || status === 403
        ? 'is not accessible (permission denied)'
        : 'could not be read';
  return new SlideError(
    'http-status',
    `The slide at ${url} ${what}: the server answered HTTP ${status}${statusText ? ` ${statusText}` : ''}.`,
  );
}

/** Opens a URL: probes Range support, falls back to a capped full download. */
export async function openHttpSource(url: string, opts: HttpSourceOptions): Promise<ByteSource> {
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const probe = opts.probeBytes ?? 64 * 1024;
  const res = await fetchWithRetry(fetchImpl, url, 0, probe, opts, opts.signal, true);
  if (res.status === 416) {
    await res.body?.cancel();
    throw new SlideError('empty-file', `The file at ${url} is empty (0 bytes).`);
  }
  if (res.status === 206) {
    const total = parseContentRangeTotal(res.headers.get('Content-Range'));
    const first = new Uint8Array(await res.arrayBuffer());
    if (total === null && first.byteLength < probe) return new MemorySource(first, url);
    return new HttpRangeSource(url, fetchImpl, total, first, opts);
  }
  // 200: the server ignored Range. Download whole only under the cap.
  const cap = opts.fullDownloadCapBytes;
  const len = Number(res.headers.get('Content-Length'));
  const capMb = Math.round(cap / 2 ** 20);
  const noRange = `The server at ${url} does not support HTTP Range requests (it answered 200 instead of 206)`;
  if (Number.isFinite(len) && len > cap) {
    await res.body?.cancel();
    throw new SlideError(
      'range-unsupported',
      `${noRange}, and the file (${Math.round(len / 2 ** 20)} MB) is larger than the ${capMb} MB that may be downloaded whole. Serve it from a server that supports Range requests (Accept-Ranges: bytes).`,
    );
  }
  const bytes = await readBodyCapped(res, cap, url, noRange, opts.signal);
  if (bytes.byteLength === 0) throw new SlideError('empty-file', `The file at ${url} is empty (0 bytes).`);
  return new MemorySource(bytes, url);
}

async function readBodyCapped(
  res: Response,
  cap: number,
  url: string,
  noRange: string,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) {
        throw new SlideError(
          'range-unsupported',
          `${noRange}, and the file is larger than the ${Math.round(cap / 2 ** 20)} MB that may be downloaded whole. Serve it from a server that supports Range requests (Accept-Ranges: bytes).`,
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof SlideError || isAbortError(e)) throw e;
    throw new SlideError('network', `The download of ${url} broke off: ${(e as Error).message}.`, {
      cause: e,
    });
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

function parseContentRangeTotal(h: string | null): number | null {
  const m = h ? /\/(\d+)\s*$/.exec(h) : null;
  return m ? Number(m[1]) : null;
}

/**
 * One ranged GET, retried with exponential backoff on transient failures (network errors,
 * 408/429/5xx, deadline). Aborts and permanent HTTP errors are never retried.
 */
async function fetchWithRetry(
  fetchImpl: typeof fetch,
  url: string,
  offset: number,
  length: number,
  opts: HttpSourceOptions,
  signal: AbortSignal | undefined,
  first: boolean,
): Promise<Response> {
  const base = opts.retryBaseMs ?? 200;
  let lastError: unknown;
  for (let attempt = 0; attempt <= opts.maxRetries; attempt++) {
    if (attempt > 0) await sleep(base * 2 ** (attempt - 1), signal);
    if (signal?.aborted) throw abortError(signal);
    const timeout = AbortSignal.timeout(opts.readTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetchImpl(url, {
        headers: { Range: `bytes=${offset}-${offset + length - 1}` },
        signal: combined,
        // Our caches hold the bytes; browser HTTP caches have mishandled concurrent partial responses.
        cache: 'no-store',
      });
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      lastError = timeout.aborted
        ? new SlideError(
            'timeout',
            `Reading ${url} took longer than ${Math.round(opts.readTimeoutMs / 1000)} s; gave up.`,
          )
        : e;
      continue;
    }
    if (res.status === 206 || (first && (res.status === 200 || res.status === 416))) return res;
    await res.body?.cancel().catch(() => {});
    if (res.status === 200) {
      throw new SlideError(
        'range-unsupported',
        `The server at ${url} stopped honouring Range requests (answered 200 instead of 206).`,
      );
    }
    const err = statusError(res.status, res.statusText, url);
    if (!isTransientStatus(res.status)) throw err;
    lastError = err;
  }
  if (lastError instanceof SlideError) throw lastError;
  const detail = errorMessage(lastError);
  if (first) {
    throw new SlideError(
      'cors',
      `Could not fetch ${url} (${detail}). The server may be down, or the browser refused the response. ${CORS_HELP}`,
      { cause: lastError },
    );
  }
  throw new SlideError(
    'network',
    `Lost the connection while reading ${url} (${detail}); tried ${opts.maxRetries + 1} times.`,
    { cause: lastError },
  );
}

class HttpRangeSource implements ByteSource {
  private closed = false;
  /** the probe was the first */
  requests = 1;
  constructor(
    readonly name: string,
    private fetchImpl: typeof fetch,
    readonly size: number | null,
    private head: Uint8Array,
    private opts: HttpSourceOptions,
  ) {}

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.closed) throw new SlideError('closed', 'This slide has been closed.');
    const end = this.size === null ? offset + length : Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    if (end <= this.head.byteLength) return this.head.subarray(offset, end);
    const fetchRange = () => {
      this.requests++;
      return fetchWithRetry(this.fetchImpl, this.name, offset, end - offset, this.opts, signal, false);
    };
    const res = await fetchRange();
    try {
      return new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      // A body that breaks mid-transfer is transient: one more full attempt through the retry path.
      const again = await fetchRange();
      try {
        return new Uint8Array(await again.arrayBuffer());
      } catch {
        throw new SlideError('network', `Lost the connection while reading ${this.name}.`, { cause: e });
      }
    }
  }

  close(): void {
    this.closed = true;
    this.head = new Uint8Array(0);
  }
}
