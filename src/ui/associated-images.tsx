// The info panel's images kept out of the pyramid (DICOM label, overview, thumbnail; NDPI macro
// and map): each listed with its size, and drawn as a small thumbnail read from the slide (scaled
// in the slide worker) where its reader can read it (DICOM).

import { useEffect, useRef, useState } from 'react';
import type { RgbaImage, SlideMetadata } from '../slide/slide-types';

/** reads metadata.associated[index] scaled to fit maxSize² */
export type ReadAssociated = (index: number, maxSize: number, signal: AbortSignal) => Promise<RgbaImage>;

const THUMB_PX = 160;

export function AssociatedImages({ metadata, read }: { metadata: SlideMetadata; read?: ReadAssociated }) {
  const list = metadata.associated ?? [];
  if (list.length === 0) return null;
  return (
    <>
      <h3>Associated images</h3>
      <ul className="associated" data-testid="info-associated">
        {list.map((a, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list per slide
          <li key={`${metadata.name}-${i}`}>
            {read ? <Thumbnail index={i} kind={a.kind} read={read} /> : null}
            <span>
              {a.kind}: {a.width}×{a.height} px
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}

function Thumbnail({ index, kind, read }: { index: number; kind: string; read: ReadAssociated }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    read(index, THUMB_PX, controller.signal).then(
      (img) => {
        const c = canvas.current;
        if (!c || controller.signal.aborted) return;
        c.width = img.width;
        c.height = img.height;
        c.getContext('2d')?.putImageData(
          new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height),
          0,
          0,
        );
        c.dataset.loaded = 'true';
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setFailed(e instanceof Error ? e.message : String(e));
      },
    );
    return () => controller.abort();
  }, [index, read]);
  // a reader that lists images it cannot read (NDPI) leaves the size line alone
  if (failed) return null;
  return <canvas ref={canvas} className="associated-thumb" data-testid="associated-thumb" data-kind={kind} />;
}
