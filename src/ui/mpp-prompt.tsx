import { useState } from 'react';
import { setState } from '../state/app-store';
import { useAppStore } from '../state/use-app-store';

export function MppPrompt({ onSet }: { onSet(mpp: number): void }) {
  const open = useAppStore((s) => s.mppPromptOpen && s.status === 'ready');
  const [value, setValue] = useState('');
  if (!open) return null;
  const mpp = Number(value);
  const valid = value.trim() !== '' && Number.isFinite(mpp) && mpp > 0 && mpp < 1000;
  return (
    <form
      className="mpp-prompt"
      data-testid="mpp-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) onSet(mpp);
      }}
    >
      <span>
        <strong>mpp unknown</strong> — enter it:
      </span>
      <input
        type="number"
        step="any"
        min="0"
        placeholder="0.25"
        aria-label="Microns per pixel"
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <span className="muted">µm/px</span>
      <button type="submit" className="btn small primary" disabled={!valid}>
        Set
      </button>
      <button
        type="button"
        className="btn small ghost"
        aria-label="Dismiss"
        onClick={() => setState({ mppPromptOpen: false })}
      >
        ✕
      </button>
    </form>
  );
}
