// Bringing an ONNX model into the page: read (a dropped file or a URL) → convert in a worker with a
// progress line → the card form (pre-filled from the graph and an optional card.json) → one
// warm-up run against the card → kept in IndexedDB → added to the model picker. Any failure leaves
// nothing behind: the record is written only after the check passes, the entry only after that.
// The scripting API's addModel('…/net.onnx', cardJson) takes the same path without the form.
//
//   const onnx = new OnnxImport({ converter: workerConverter, store: convertedStore(), models, fetch });
//   await onnx.importFile(file, cardFile);   // → phase 'form' with a draft in onnxImportStore
//   const id = await onnx.submit(draft);     // → checked, saved, in the picker
//   const id2 = await onnx.importUrl(url, cardJsonText);
//   onnx.cancel();  await onnx.download(id);  await onnx.remove(id);

import type { ModelEntry } from '../../analysis/model-index';
import type { ModelCard } from '../../inference/model-card';
import {
  type CardDraft,
  cardFromDraft,
  completeConvertedCard,
  draftFromConverted,
} from '../../inference/onnx-import/card-draft';
import type { ConvertedOnnx } from '../../inference/onnx-import/convert-bytes';
import type { ConvertedStore } from '../../inference/onnx-import/converted-store';
import { convertedIdOf, convertedModelUrl } from '../../inference/onnx-import/converted-url';
import {
  DEFAULT_IMPORT_LIMITS,
  fileSizeProblem,
  type ImportLimits,
} from '../../inference/onnx-import/import-limits';
import type { ImportProgress } from '../../inference/onnx-import/import-progress';
import { modelFolderZip } from '../../inference/onnx-import/model-folder-zip';
import type { OnnxConverter } from '../../inference/onnx-import/onnx-converter';
import { isAbortError, newAbortError } from '../../util/abort';
import { getOnnxImport, setOnnxImport } from '../onnx-import-store';
import { errorText } from './notify';

type FetchLike = (
  url: string,
  init: { signal?: AbortSignal },
) => Promise<Pick<Response, 'ok' | 'status' | 'headers' | 'body' | 'arrayBuffer' | 'text'>>;

export interface OnnxImportDeps {
  /** a converter for one import (the page's runs in a worker) */
  converter: () => OnnxConverter;
  store: ConvertedStore;
  models: {
    loadModels(): Promise<ModelEntry[]>;
    addEntry(entry: ModelEntry): Promise<void>;
    removeEntry(id: string): Promise<void>;
  };
  fetch: FetchLike;
  limits?: ImportLimits;
  /** ISO time of a conversion (tests fix it) */
  now?: () => string;
  signal?: AbortSignal;
}

interface Job {
  controller: AbortController;
  converter: OnnxConverter;
  converted?: ConvertedOnnx;
  /** the file's bytes, kept while the form is open: another batch or fp16 converts them again */
  bytes?: Uint8Array;
  /** true while a conversion runs (its progress reports count only then) */
  converting?: boolean;
}

/** How to convert: the batch (forced over the file's) and fp16, from a card or the form. */
interface ConvertChoice {
  batch?: number;
  float16?: boolean;
}

/** The batch size and quantisation a given card asks for (absent: the file's batch, fp32). */
function choiceOfCard(card: Record<string, unknown>): ConvertChoice {
  const b = card.batchSize;
  return {
    ...(typeof b === 'number' && Number.isInteger(b) && b > 0 ? { batch: b } : {}),
    ...(card.quantization === 'float16' ? { float16: true } : {}),
  };
}

/** Reads a stream fully, reporting bytes, refusing more than `cap` bytes. */
async function readAll(
  stream: ReadableStream<Uint8Array>,
  total: number,
  cap: number,
  report: (p: ImportProgress) => void,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    for (;;) {
      signal.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      n += value.byteLength;
      if (n > cap) throw new Error(fileSizeProblem(n, { ...DEFAULT_IMPORT_LIMITS, maxFileBytes: cap })!);
      parts.push(value);
      report({ stage: 'reading', done: n, total });
    }
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export class OnnxImport {
  private job: Job | null = null;
  limits: ImportLimits;

  constructor(private readonly deps: OnnxImportDeps) {
    this.limits = deps.limits ?? DEFAULT_IMPORT_LIMITS;
  }

  /** A dropped or picked .onnx file (and the card.json beside it): converts, then shows the form. */
  async importFile(file: Blob & { name: string }, cardFile?: Blob | null): Promise<void> {
    await this.toForm(file.name, async (job, report) => {
      const problem = fileSizeProblem(file.size, this.limits);
      if (problem) throw new Error(problem);
      const bytes = await readAll(
        file.stream(),
        file.size,
        this.limits.maxFileBytes,
        report,
        job.controller.signal,
      );
      return { bytes, given: cardFile ? await cardFile.text() : null };
    });
  }

  /** An .onnx URL given in the panel: fetched, converted, then the form (card.json beside it pre-fills). */
  async importUrlToForm(url: string): Promise<void> {
    await this.toForm(url, async (job, report) => ({
      bytes: await this.fetchBytes(url, job.controller.signal, report),
      given: await this.cardBeside(url, job.controller.signal),
    }));
  }

  /** The submitted form: the card is completed from the graph, checked by a warm-up run, saved, added. */
  async submit(draft: CardDraft | null = getOnnxImport().draft): Promise<string> {
    const job = this.job;
    if (!job?.converted || !draft) throw new Error('no converted ONNX model is waiting for its card');
    setOnnxImport({ draft, error: null });
    try {
      let converted = job.converted;
      if (draft.batch !== converted.batch || draft.float16 !== converted.float16) {
        // the form asks for another batch or precision: the kept bytes are converted again
        setOnnxImport({ phase: 'converting', progress: { stage: 'converting', done: 0, total: 0 } });
        converted = await this.convert(job, job.bytes!, converted.sourceFile, {
          batch: draft.batch,
          float16: draft.float16,
        });
      }
      return await this.finish(job, cardFromDraft(draft, converted, this.now()));
    } catch (e) {
      // a card problem keeps the form open to fix it; nothing was saved
      if (this.job === job && !isAbortError(e))
        setOnnxImport({ phase: 'form', progress: null, error: errorText(e) });
      else if (this.job === job) this.dropJob(job, e);
      throw e;
    }
  }

  /**
   * addModel with an .onnx URL: fetched, converted, the card (given, or card.json beside the file)
   * completed from the graph, checked, saved, added. Resolves with the id; rejects naming the problem.
   */
  async importUrl(url: string, card?: string | object): Promise<string> {
    const job = this.begin(url);
    return this.guard(job, async () => {
      const report = (p: ImportProgress) => this.report(job, p);
      const bytes = await this.fetchBytes(url, job.controller.signal, report);
      const givenText = card === undefined ? await this.cardBeside(url, job.controller.signal) : card;
      if (givenText === null)
        throw new Error(`No card for ${url}: give the card JSON, or put card.json beside the file.`);
      const given = typeof givenText === 'string' ? parseJson(givenText, 'the given card') : givenText;
      if (!given || typeof given !== 'object') throw new Error('the given card is not a JSON object');
      const converted = await this.convert(job, bytes, url, choiceOfCard(given as Record<string, unknown>));
      return this.finish(job, completeConvertedCard(given as Record<string, unknown>, converted, this.now()));
    });
  }

  /** The form's edits (one field at a time). */
  updateDraft(draft: CardDraft): void {
    if (getOnnxImport().phase === 'form') setOnnxImport({ draft });
  }

  /** Stops the import under way (its worker is terminated); nothing is kept. */
  cancel(): void {
    const job = this.job;
    if (job) {
      job.controller.abort(newAbortError('import cancelled'));
      this.dropJob(job, newAbortError('import cancelled'));
    }
    setOnnxImport({ phase: 'idle', error: null, draft: null, progress: null });
  }

  /** Closes the error or form. */
  dismiss(): void {
    if (this.job) this.cancel();
    setOnnxImport({ phase: 'idle', error: null, draft: null, progress: null, summary: null });
  }

  /** Re-reads the list of converted models kept in this browser. */
  async refreshList(): Promise<void> {
    const records = await this.deps.store.list().catch(() => []);
    setOnnxImport({
      converted: records.map((r) => ({
        id: r.id,
        name: r.card.name,
        source: r.source,
        savedAt: r.savedAt,
        weightBytes: r.weights.byteLength,
      })),
    });
  }

  /** The converted model as a TF.js model folder zip (model.json, shard, card.json). */
  async download(id: string): Promise<{ name: string; bytes: Uint8Array }> {
    const r = await this.deps.store.get(id);
    if (!r) throw new Error(`No converted model "${id}" in this browser.`);
    return { name: `${id}.zip`, bytes: modelFolderZip(r) };
  }

  /** Deletes a converted model from IndexedDB and the picker. */
  async remove(id: string): Promise<void> {
    await this.deps.store.delete(id);
    await this.deps.models.removeEntry(id);
    await this.refreshList();
  }

  // ------------------------------------------------------------------------------------------

  private now(): string {
    return this.deps.now?.() ?? new Date().toISOString();
  }

  private begin(source: string): Job {
    this.job?.controller.abort(newAbortError('superseded by another import'));
    this.job?.converter.dispose();
    const controller = new AbortController();
    const outer = this.deps.signal;
    if (outer) outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
    const job: Job = { controller, converter: this.deps.converter() };
    this.job = job;
    setOnnxImport({
      phase: 'converting',
      source,
      progress: { stage: 'reading', done: 0, total: 0 },
      draft: null,
      summary: null,
      error: null,
    });
    return job;
  }

  private report(job: Job, p: ImportProgress): void {
    if (this.job !== job || job.controller.signal.aborted) return;
    // the worker's progress reports come on their own channel and may land after its result
    if (
      job.converted &&
      !job.converting &&
      (p.stage === 'reading' || p.stage === 'parsing' || p.stage === 'converting')
    )
      return;
    const phase = p.stage === 'checking' ? 'checking' : p.stage === 'saving' ? 'saving' : 'converting';
    setOnnxImport({ phase, progress: p });
  }

  /** Runs an import step; on failure nothing is kept and the error is shown (and rethrown). */
  private async guard<T>(job: Job, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      if (this.job === job) this.dropJob(job, e);
      throw e;
    }
  }

  private dropJob(job: Job, e: unknown): void {
    this.job = null;
    job.converter.dispose();
    const cancelled = isAbortError(e);
    setOnnxImport({
      phase: cancelled ? 'idle' : 'error',
      error: cancelled ? null : errorText(e),
      progress: null,
      draft: null,
    });
  }

  private async toForm(
    source: string,
    read: (
      job: Job,
      report: (p: ImportProgress) => void,
    ) => Promise<{ bytes: Uint8Array; given: string | object | null }>,
  ): Promise<void> {
    const job = this.begin(source);
    await this.guard(job, async () => {
      const { bytes, given } = await read(job, (p) => this.report(job, p));
      const givenJson = typeof given === 'string' ? parseJson(given, 'the card.json given') : given;
      const converted = await this.convert(job, bytes, source.replace(/^.*\//, ''));
      if (this.job !== job) return;
      setOnnxImport({
        phase: 'form',
        progress: null,
        draft: draftFromConverted(converted, givenJson as Record<string, unknown> | null),
      });
    }).catch(() => {}); // the error (or the cancel) is in the import store
  }

  private async convert(
    job: Job,
    bytes: Uint8Array,
    source: string,
    choice: ConvertChoice = {},
  ): Promise<ConvertedOnnx> {
    job.bytes = bytes;
    job.converting = true;
    let converted: ConvertedOnnx;
    try {
      // the worker's converter takes a copy: the kept bytes stay whole for another conversion
      converted = await job.converter.convert(bytes, {
        fileName: source.replace(/^.*\//, '').replace(/[?#].*$/, ''),
        limits: this.limits,
        ...(choice.batch !== undefined ? { batch: choice.batch, forceBatch: true } : {}),
        float16: choice.float16 ?? false,
        signal: job.controller.signal,
        onProgress: (p) => this.report(job, p),
      });
    } finally {
      job.converting = false;
    }
    job.controller.signal.throwIfAborted();
    job.converted = converted;
    setOnnxImport({
      summary: {
        nodes: converted.nodes,
        opset: converted.opset,
        producer: converted.producer,
        convertMs: converted.convertMs,
        weightBytes: converted.weights.byteLength,
        inputs: converted.inputs,
        outputs: converted.outputs,
      },
    });
    return converted;
  }

  private async finish(job: Job, card: ModelCard): Promise<string> {
    const served = (await this.deps.models.loadModels()).find(
      (m) => m.id === card.id && convertedIdOf(m.url) === null,
    );
    if (served)
      throw new Error(`a model "${card.id}" is already in the picker: give the converted one another id`);
    const c = job.converted!;
    this.report(job, { stage: 'checking', done: 0, total: 1 });
    await job.converter.check(c.modelJson, c.weights, card, job.controller.signal);
    this.report(job, { stage: 'saving', done: 0, total: 1 });
    job.controller.signal.throwIfAborted();
    await this.deps.store.put({
      id: card.id,
      card,
      modelJson: c.modelJson,
      weights: c.weights,
      source: getOnnxImport().source ?? c.sourceFile,
      savedAt: card.exportedAt ?? this.now(),
      convertMs: c.convertMs,
    });
    await this.deps.models.addEntry({ id: card.id, url: convertedModelUrl(card.id), card, error: null });
    if (this.job === job) this.job = null;
    job.bytes = undefined;
    job.converter.dispose();
    setOnnxImport({ phase: 'idle', progress: null, draft: null, error: null, added: card.id });
    await this.refreshList();
    return card.id;
  }

  private async fetchBytes(url: string, signal: AbortSignal, report: (p: ImportProgress) => void) {
    const res = await this.deps.fetch(url, { signal });
    if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
    const length = Number(res.headers.get('content-length') ?? 0);
    const problem = fileSizeProblem(length, this.limits);
    if (problem) throw new Error(problem);
    if (!res.body) return new Uint8Array(await res.arrayBuffer());
    return readAll(res.body, length, this.limits.maxFileBytes, report, signal);
  }

  /**
   * card.json in the .onnx file's folder, or null when there is none. A page instead of JSON
   * (a server's single-page-app fallback answers 200 with index.html for any path) is none.
   */
  private async cardBeside(url: string, signal: AbortSignal): Promise<string | null> {
    const cardUrl = url.replace(/[?#].*$/, '').replace(/[^/]*$/, 'card.json');
    try {
      const res = await this.deps.fetch(cardUrl, { signal });
      if (!res.ok || /text\/html/i.test(res.headers.get('content-type') ?? '')) return null;
      const text = await res.text();
      return text.trimStart().startsWith('{') ? text : null;
    } catch (e) {
      if (isAbortError(e)) throw e;
      return null;
    }
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}
