// Picks an .onnx file (and, optionally, a card.json to pre-fill the form) for conversion.

import type { OnnxImport } from '../../state/analysis/onnx-import';

export function OnnxFileInput({ onnx }: { onnx: OnnxImport }) {
  return (
    <label className="row">
      <span className="muted">Convert an ONNX file (with its card.json, optional):</span>
      <input
        type="file"
        aria-label="ONNX file"
        accept=".onnx,.json"
        multiple
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          const model = files.find((f) => /\.onnx$/i.test(f.name));
          if (model) void onnx.importFile(model, files.find((f) => /\.json$/i.test(f.name)) ?? null);
        }}
      />
    </label>
  );
}
