export function EmptyState({ onOpenFile, onDemo }: { onOpenFile(): void; onDemo(): void }) {
  return (
    <div className="empty-state">
      <div className="empty-card">
        <h1>Open a whole-slide image</h1>
        <p>
          Drop a slide anywhere on this page (pyramidal or striped TIFF, Aperio SVS, Hamamatsu NDPI, OME-TIFF,
          Philips TIFF, a DICOM slide’s files or folder, or a PNG, JPEG, BMP or WebP image), choose files,
          paste a URL (a file, or a DICOMweb series), or try the demo slide. Slides are read in your browser;
          nothing is uploaded.
        </p>
        <div className="empty-actions">
          <button type="button" className="btn primary" onClick={onOpenFile}>
            Open file…
          </button>
          <button type="button" className="btn" onClick={onDemo}>
            Demo slide
          </button>
        </div>
        <p className="formats">
          Aperio SVS · Hamamatsu NDPI · Philips TIFF · generic tiled pyramidal or striped TIFF / BigTIFF ·
          OME-TIFF · DICOM WSI (files or DICOMweb) · PNG, JPEG, BMP, WebP — JPEG, JPEG 2000, JPEG-LS, LZW,
          Deflate
        </p>
      </div>
    </div>
  );
}
