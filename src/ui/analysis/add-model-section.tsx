// Adds a model by URL (a model folder, or model.json with card.json beside it) and shows it.

import { useState } from 'react';
import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { errorText, notifyUser } from '../../state/analysis/notify';

export function AddModelSection({ analysis }: { analysis: AnalysisSession }) {
  const [url, setUrl] = useState('');
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        const u = url.trim();
        if (!u) return;
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
        placeholder="model folder or model.json URL (card.json beside it)"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
      />
      <button type="submit" className="btn small" disabled={!url.trim()}>
        Add model
      </button>
    </form>
  );
}
