/**
 * ONNX import additions to the scripting API (`window.mrnViewer`), registered via api-registry.
 *
 * ```js
 * await mrnViewer.addModel('https://host/net.onnx', cardJsonText);  // converted in a worker, the card
 * //   completed from the graph (input names/sizes, output, batch), one warm-up run, kept in IndexedDB,
 * //   added to the picker → id. Without a card, card.json beside the file is used.
 * await mrnViewer.open([onnxFile, cardFile]);  // as a drop: converts, then shows the card form
 * mrnViewer.onnxImport();         // {phase, source, progress: {stage, done, total, percent}, error,
 *                                 //  added, summary: {nodes, opset, inputs, outputs, ...},
 *                                 //  draft (the form), converted: [{id, name, source, savedAt, weightBytes}]}
 * mrnViewer.cancelImport();       // stops the import under way (its worker is terminated); nothing kept
 * mrnViewer.setImportLimits({maxFileBytes, maxWeightBytes});  // → the limits now in force
 * await mrnViewer.downloadModel('my-net');  // base64 zip: my-net/model.json, shard, card.json
 * await mrnViewer.removeModel('my-net');    // off the picker and out of IndexedDB
 * ```
 *
 * phase is 'idle' | 'converting' | 'form' | 'checking' | 'saving' | 'error'. A failed import keeps
 * nothing: not in the picker, not in IndexedDB.
 */

import { importPercent } from '../inference/onnx-import/import-progress';
import type { AnalysisSession } from '../state/analysis/analysis-session';
import { getOnnxImport } from '../state/onnx-import-store';
import { toBase64 } from '../util/base64';
import { registerApiMethod } from './api-registry';

export function registerOnnxImportApi(analysis: AnalysisSession): void {
  registerApiMethod('onnxImport', () => () => {
    const s = getOnnxImport();
    return structuredClone({
      ...s,
      progress: s.progress ? { ...s.progress, percent: importPercent(s.progress) } : null,
      draft: s.draft ? { ...s.draft, given: null } : null,
    });
  });

  registerApiMethod('cancelImport', () => () => analysis.onnx.cancel());

  registerApiMethod('setImportLimits', () => (limits: { maxFileBytes?: number; maxWeightBytes?: number }) => {
    const next = { ...analysis.onnx.limits, ...limits };
    if (!(next.maxFileBytes > 0 && next.maxWeightBytes > 0))
      throw new RangeError('limits are positive byte counts');
    analysis.onnx.limits = next;
    return { ...next };
  });

  registerApiMethod(
    'downloadModel',
    () => async (id: string) => toBase64((await analysis.onnx.download(id)).bytes),
  );

  registerApiMethod('removeModel', () => (id: string) => analysis.onnx.remove(id));
}
