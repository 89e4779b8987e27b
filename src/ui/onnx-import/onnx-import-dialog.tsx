// The ONNX import: its progress line while reading, converting and checking; the card form once
// converted (one component per section); the error, if any. Acts only through OnnxImport.

import { draftProblems } from '../../inference/onnx-import/card-draft';
import type { OnnxImport } from '../../state/analysis/onnx-import';
import { useOnnxImport } from '../../state/onnx-import-store';
import { formatBytes } from '../../util/format-bytes';
import { PanelHead } from '../panel-head';
import { ConversionFields } from './conversion-fields';
import { IdentityFields } from './identity-fields';
import { ImportProgressLine } from './import-progress-line';
import { InputFields } from './input-fields';
import { OutputFields } from './output-fields';
import { UsageFields } from './usage-fields';
import { useDraft } from './use-draft';

export function OnnxImportDialog({ onnx }: { onnx: OnnxImport }) {
  const phase = useOnnxImport((s) => s.phase);
  const source = useOnnxImport((s) => s.source);
  const error = useOnnxImport((s) => s.error);
  const summary = useOnnxImport((s) => s.summary);
  const d = useDraft(onnx);
  if (phase === 'idle') return null;
  const problems = d ? draftProblems(d.draft) : [];
  return (
    <section className="onnx-import" data-testid="onnx-import" aria-label="ONNX import" data-phase={phase}>
      <PanelHead title="Add an ONNX model" onClose={() => onnx.dismiss()} closeLabel="Close import" />
      <p className="muted">
        {source?.replace(/^.*\//, '')}
        {summary
          ? `: ${summary.nodes} nodes, opset ${summary.opset}, ${formatBytes(summary.weightBytes)} of weights, converted in ${summary.convertMs} ms`
          : ''}
      </p>
      <ImportProgressLine onnx={onnx} />
      {error ? (
        <p className="error-text" role="alert" data-testid="onnx-error">
          {error}
        </p>
      ) : null}
      {phase === 'form' && d ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onnx.submit().catch(() => {}); // the error shows above, the form stays open
          }}
        >
          <IdentityFields {...d} />
          <InputFields {...d} />
          <OutputFields {...d} />
          <UsageFields {...d} />
          <ConversionFields {...d} />
          {problems.length ? <p className="muted">Still needed: {problems.join('; ')}.</p> : null}
          <div className="row">
            <button type="submit" className="btn primary" disabled={problems.length > 0}>
              Check and add model
            </button>
            <button type="button" className="btn" onClick={() => onnx.cancel()}>
              Cancel import
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
