export function EmptyState({ onOpenFile, onDemo }: { onOpenFile(): void; onDemo(): void }) {
  return (
    <div className="empty-state">
      <div className="empty-card">
        <h1>Open a whole-slide image</h1>
        <p>
          Drop a slide anywhere on this page (pyramidal or striped TIFF, Aperio SVS, OME-TIFF, Philips TIFF,
          or a PNG, JPEG, BMP or WebP image), choose a file, paste a URL, or try the demo slide. Slides are
          read in your browser; nothing is uploaded.
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
          Aperio SVS · generic tiled pyramidal TIFF / BigTIFF · OME-TIFF — JPEG, JPEG 2000, LZW, Deflate
        </p>
      </div>
    </div>
  );
}
