// npm run bench -- gpu-pack: writes the GPU pack (bench/gpu/pack.ts), a folder that measures
// tfjs-webgpu and PyTorch CUDA on a GPU machine with no Node (bash <pack>/run.sh).
export { run } from './gpu/pack';
