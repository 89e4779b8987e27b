import { useEffect, useRef, useState } from 'react';
import { droppedFiles } from './dropped-files';

/** Accepts files and folders dropped anywhere on the page. */
export function DropZone({ onFiles }: { onFiles(files: File[]): void }) {
  const [active, setActive] = useState(false);
  const onFileRef = useRef(onFiles);
  onFileRef.current = onFiles;
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setActive(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setActive(false);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setActive(false);
      if (!e.dataTransfer) return;
      void droppedFiles(e.dataTransfer).then((files) => {
        if (files.length) onFileRef.current(files);
      });
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);
  if (!active) return null;
  return (
    <div className="drop-zone" data-testid="drop-zone">
      <div>Drop the slide to open it</div>
    </div>
  );
}
