// What the GPU pack (bench/gpu/pack.ts) holds, written as manifest.json in the pack and read by its
// bundle there: the models with their tiles and graph FLOPs, the Node and Dawn files, the budgets.

export interface PackTile {
  size: number;
  batch: number;
  modelFile: string;
  /** the tile graph's FLOPs per tile (src/inference/graph-flops.ts, 2 per MAC) */
  flopsPerTile: number;
}

export interface PackModel {
  id: string;
  /** folder in the pack, relative to its root */
  dir: string;
  /** training/registry.py name of the network, for PyTorch */
  kind: string;
  width: number;
  depth: number;
  /** graph input names, in the card's order (PyTorch takes them positionally in that order) */
  inputs: string[];
  output: string;
  activation: string;
  /** the trained patch edge (its keep margin applies at every tile) and µm per target px */
  trainedSize: number;
  mpp: number;
  trainedModelFile: string;
  parityFile?: string;
  tiles: PackTile[];
}

export interface PackManifest {
  createdAt: string;
  commit: string | null;
  node: { version: string; file: string };
  dawn: { package: string; file: string };
  tfjs: string;
  torchJob: string;
  models: PackModel[];
  budgets: { webgpuMsPerTile: number; torchMsPerTile: number; pipeline: number };
}
