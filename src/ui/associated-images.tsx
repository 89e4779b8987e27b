// The info panel's list of the images kept out of the pyramid (DICOM label, overview, thumbnail;
// NDPI macro and map).

import type { SlideMetadata } from '../slide/slide-types';

export function AssociatedImages({ metadata }: { metadata: SlideMetadata }) {
  const list = metadata.associated ?? [];
  if (list.length === 0) return null;
  return (
    <>
      <h3>Associated images</h3>
      <ul className="associated" data-testid="info-associated">
        {list.map((a, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list per slide
          <li key={i}>
            {a.kind}: {a.width}×{a.height} px
          </li>
        ))}
      </ul>
    </>
  );
}
