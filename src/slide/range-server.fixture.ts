// A loopback HTTP server of one file that answers Range requests (206) and plain GETs (200), as a
// static host does: the remote-read tests' server. Each request is reported to `onRequest`, with
// the byte range it served (null: the whole file).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RangeServer {
  /** http://127.0.0.1:<port>; any path serves the file */
  base: string;
  close(): Promise<void>;
}

export async function startRangeServer(
  file: () => Uint8Array,
  onRequest: (range: [start: number, end: number] | null) => void = () => {},
): Promise<RangeServer> {
  const server = createServer((req, res) => {
    const bytes = file();
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    if (!m) {
      onRequest(null);
      res.writeHead(200, { 'Content-Length': String(bytes.length) }).end(Buffer.from(bytes));
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), bytes.length - 1);
    onRequest([start, end]);
    res.writeHead(206, {
      'Content-Range': `bytes ${start}-${end}/${bytes.length}`,
      'Content-Length': String(end - start + 1),
    });
    res.end(Buffer.from(bytes.subarray(start, end + 1)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
