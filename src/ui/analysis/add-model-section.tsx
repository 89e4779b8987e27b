// Adds a model by URL (a model folder, model.json with card.json beside it, or an .onnx file,
// which is converted and asks for its card), or from an .onnx file picked here.

import { useState } from 'react';
import { isOnnxUrl } from '../../inference/onnx-import/converted-url';
import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { errorText, notifyUser } from '../../state/analysis/notify';
import { OnnxFileInput } from '../onnx-import/onnx-file-input';

export function AddModelSection({ analysis }: { analysis: AnalysisSession }) {
  const [url, setUrl] = useState('');
  return (
    <>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          const u = url.trim();
          if (!u) return;
          if (isOnnxUrl(u)) {
            setUrl('');
            void analysis.onnx.importUrlToForm(u);
            return;
          }
          analysis.models.addModel(u).then(
            (id) => {
              setUrl('');
              analysis.display.setModel(id);
            },
            (err) => notifyUser('error', `Could not add the model: ${errorText(err)}`),
          );
        }}
      >
        <input
          className="url-input"
          aria-label="Model URL"
          placeholder="model folder, model.json or .onnx URL"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <button type="submit" className="btn small" disabled={!url.trim()}>
          Add model
        </button>
      </form>
      <OnnxFileInput onnx={analysis.onnx} />
    </>
  );
}
