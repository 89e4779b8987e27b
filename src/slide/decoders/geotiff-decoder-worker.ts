// One worker of the LZW decoder pool (geotiff-pool.ts): geotiff's own pool worker, with the
// bounded LZW decoder registered in place of geotiff's. Same messages as geotiff's worker/decoder.js:
// {compression, decoderParameters, buffer, jobId} in, {decoded, jobId} or {error, jobId} out.

import { getDecoder } from 'geotiff';
import { installBoundedLzw } from './lzw-geotiff';

installBoundedLzw();

interface Job {
  compression: number;
  decoderParameters: Parameters<typeof getDecoder>[1];
  buffer: ArrayBuffer;
  jobId: number;
}

const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (e: MessageEvent<Job>) => void): void;
  postMessage(message: unknown, transfer?: Transferable[]): void;
};

scope.addEventListener('message', async (e) => {
  const { compression, decoderParameters, buffer, jobId } = e.data;
  try {
    const decoder = await getDecoder(compression, decoderParameters);
    const decoded = (await decoder.decode(buffer)) as ArrayBuffer;
    scope.postMessage({ decoded, jobId }, [decoded]);
  } catch (error) {
    scope.postMessage({ error: error instanceof Error ? error.message : String(error), jobId });
  }
});
