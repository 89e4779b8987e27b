// A second open control that picks a whole folder (a DICOM series, a slide with its annotation);
// the main file input stays a plain multi-file picker.

import { useRef } from 'react';

export function FolderPicker({ onFiles }: { onFiles(files: File[]): void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className="btn"
        onClick={() => input.current?.click()}
        title="Open a folder (a DICOM slide's files)"
      >
        Open folder…
      </button>
      <input
        ref={(el) => {
          input.current = el;
          // webkitdirectory is not in React's input props
          el?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        data-testid="folder-input"
        hidden
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          if (files.length) onFiles(files);
          e.target.value = '';
        }}
      />
    </>
  );
}
