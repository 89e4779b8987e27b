// The import's progress line (stage, counts, percent) with its cancel button.

import { progressLine } from '../../inference/onnx-import/import-progress';
import type { OnnxImport } from '../../state/analysis/onnx-import';
import { useOnnxImport } from '../../state/onnx-import-store';

export function ImportProgressLine({ onnx }: { onnx: OnnxImport }) {
  const progress = useOnnxImport((s) => s.progress);
  if (!progress) return null;
  return (
    <div className="row">
      <span role="status" data-testid="onnx-progress">
        {progressLine(progress)}
      </span>
      <progress max={100} value={Number(progressLine(progress).match(/(\d+)%/)?.[1] ?? 0)} />
      <button type="button" className="btn small" onClick={() => onnx.cancel()}>
        Cancel import
      </button>
    </div>
  );
}
