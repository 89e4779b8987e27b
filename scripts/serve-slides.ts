// Test HTTP server for slides: serves a directory on 127.0.0.1 with Range and CORS, plus failure
// modes chosen by a path prefix, so one server covers every URL case in the e2e tests:
//   /file.svs            normal: Range (206), CORS headers
//   /no-range/file.svs   ignores Range, always 200 with the whole file
//   /404/file.svs        404 Not Found
//   /no-cors/file.svs    no CORS headers (the browser refuses cross-origin reads)
//   /drop/file.svs       like normal, but once dropAfter(n) is set, requests after the n-th are cut
//                        (socket destroyed) until recover()
// Options: { latencyMs } holds every answer back that long (a slow link's round trip; the
// coalescing benchmark uses 50 ms).
// CLI: tsx scripts/serve-slides.ts <dir> [port] [latencyMs]

import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface SlideServer {
  url: string;
  port: number;
  /** requests seen so far (all modes) */
  requests(): number;
  /** body bytes answered so far (GET only; what a slow link would carry) */
  bytesSent(): number;
  /** cut /drop/ requests after `n` more have been served */
  dropAfter(n: number): void;
  /** serve /drop/ requests normally again */
  recover(): void;
  close(): Promise<void>;
}

const MODES = new Set(['no-range', '404', 'no-cors', 'drop']);

function corsHeaders(): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers': 'Range, If-Match, If-None-Match',
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges, ETag',
  };
}

/** Parses a single "bytes=a-b" range; null when absent or unsupported (multi-range). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'bad' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  let start: number;
  let end: number;
  if (m[1] === '' && m[2] === '') return 'bad';
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'bad';
  return { start, end };
}

export interface SlideServerOptions {
  /** ms each request waits before it is answered */
  latencyMs?: number;
}

export async function startSlideServer(
  root: string,
  port = 0,
  options: SlideServerOptions = {},
): Promise<SlideServer> {
  const base = path.resolve(root);
  let count = 0;
  let sent = 0;
  let dropBudget: number | null = null;
  const latency = options.latencyMs ?? 0;

  const server = http.createServer(async (req, res) => {
    count++;
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const url = new URL(req.url ?? '/', 'http://localhost');
    let parts = decodeURIComponent(url.pathname).split('/').filter(Boolean);
    const mode = parts.length > 1 && MODES.has(parts[0]) ? parts[0] : 'normal';
    if (mode !== 'normal') parts = parts.slice(1);
    const cors = mode === 'no-cors' ? {} : corsHeaders();

    if (mode === 'drop' && dropBudget !== null) {
      if (dropBudget <= 0) {
        req.socket.destroy();
        return;
      }
      dropBudget--;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Max-Age': '600' });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, cors);
      res.end();
      return;
    }
    const file = path.resolve(base, ...parts);
    if (mode === '404' || !file.startsWith(base + path.sep)) {
      res.writeHead(404, { ...cors, 'Content-Type': 'text/plain' });
      res.end('Not found');
      return;
    }
    let size: number;
    try {
      const st = await fs.stat(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      res.writeHead(404, { ...cors, 'Content-Type': 'text/plain' });
      res.end('Not found');
      return;
    }
    const headers: Record<string, string> = {
      ...cors,
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'no-store',
    };
    const range = mode === 'no-range' ? null : parseRange(req.headers.range, size);
    if (range === 'bad') {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    if (mode !== 'no-range') headers['Accept-Ranges'] = 'bytes';
    const { start, end } = range ?? { start: 0, end: size - 1 };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    headers['Content-Length'] = String(end - start + 1);
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    sent += end - start + 1;
    const stream = createReadStream(file, { start, end });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  });

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    requests: () => count,
    bytesSent: () => sent,
    dropAfter: (n) => {
      dropBudget = n;
    },
    recover: () => {
      dropBudget = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const isMain =
  process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const dir = process.argv[2] ?? '.';
  const port = Number(process.argv[3] ?? 8765);
  startSlideServer(dir, port, { latencyMs: Number(process.argv[4] ?? 0) }).then((s) => {
    console.log(`Serving ${path.resolve(dir)} at ${s.url} (modes: /no-range/ /404/ /no-cors/ /drop/)`);
  });
}
