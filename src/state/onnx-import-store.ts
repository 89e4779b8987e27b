// The ONNX import's UI state (progress line, card form, error) and the list of converted models
// kept in this browser, in their own zustand store. OnnxImport (state/analysis/onnx-import.ts)
// writes it; React reads it through useOnnxImport.

import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { CardDraft } from '../inference/onnx-import/card-draft';
import type { ImportProgress } from '../inference/onnx-import/import-progress';

export interface ConvertedSummary {
  nodes: number;
  opset: number;
  producer: string;
  convertMs: number;
  weightBytes: number;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
}

export interface ConvertedListing {
  id: string;
  name: string;
  source: string;
  savedAt: string;
  weightBytes: number;
}

export interface OnnxImportState {
  /** idle: nothing under way; converting/checking/saving: the progress line; form: the card form */
  phase: 'idle' | 'converting' | 'form' | 'checking' | 'saving' | 'error';
  /** the .onnx file name or URL */
  source: string | null;
  progress: ImportProgress | null;
  draft: CardDraft | null;
  summary: ConvertedSummary | null;
  error: string | null;
  /** the id of the last model this import added */
  added: string | null;
  converted: ConvertedListing[];
}

export const initialOnnxImportState: OnnxImportState = {
  phase: 'idle',
  source: null,
  progress: null,
  draft: null,
  summary: null,
  error: null,
  added: null,
  converted: [],
};

export const onnxImportStore = createStore<OnnxImportState>(() => initialOnnxImportState);
export const getOnnxImport = () => onnxImportStore.getState();
export const setOnnxImport = (patch: Partial<OnnxImportState>) => onnxImportStore.setState(patch);

export function useOnnxImport<T>(select: (s: OnnxImportState) => T): T {
  return useStore(onnxImportStore, select);
}
