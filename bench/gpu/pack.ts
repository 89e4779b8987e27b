// npm run bench -- gpu-pack [--out=.gpu-pack] [--models=unet,mrn-bilinear] [--tiles=64,256]
//     [--webgpu-ms=3000] [--torch-ms=3000]
// Writes a self-contained folder for a GPU machine that has no Node (issue 14 §6), at most 64 MiB
// together with the working tree that travels with it:
//   node.xz         this Node (process.execPath), xz-compressed
//   dawn.node.xz    the npm package `webgpu`'s prebuilt Dawn bindings for linux-x64
//   bench.mjs       bench/gpu/pack-main.ts bundled by esbuild with tfjs-core, -converter, -backend-webgpu
//   lib/            the Vulkan loader (and GLVND's libraries) from this machine, used only where missing
//   models/<id>/    the card, the graphs of the chosen tiles, the shared weight shard, parity.json
//   py/             bench/torch_inference.py and training/*.py (PyTorch loads the same TF.js weights)
//   torch-job.json, manifest.json (tiles, batches, graph FLOPs per tile), run.sh
// Then, on the GPU machine: bash <pack>/run.sh (README "Speed on a GPU"). The pack is git-ignored.

import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { tilesOf } from '../../src/inference/model-tiles';
import { countModelFileFlops } from '../../src/inference/node/model-flops';
import { readModelCard } from '../../src/inference/node/node-model-io';
import { torchKind } from '../torch-inference';
import type { PackManifest, PackModel } from './pack-manifest';
import { parseLdconfig } from './vulkan-check';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CACHE = path.join(ROOT, '.cache/gpu-pack');
const LIMIT = 64 * 2 ** 20;
/** what the loader and NVIDIA's ICD need (libGLX_nvidia links GLVND's dispatch library) */
const LIBS = ['libvulkan.so.1', 'libGLdispatch.so.0', 'libGLX.so.0', 'libEGL.so.1', 'libOpenGL.so.0'];
const log = (m: string) => console.error(`[gpu-pack] ${m}`);
/** PyTorch also runs bigger batches than the graphs' (same work per tile: 4× and 16× the pixels of a 64 px batch of 8) */
const sweepFor = (size: number) => (size <= 64 ? [32, 128] : [2, 8]);

function option(args: string[], name: string): string | undefined {
  return args
    .find((a) => a.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=');
}

/** `src` xz-compressed into `dest`, through a cache keyed by the source's size and mtime. */
function xzCached(src: string, dest: string, key: string) {
  const s = statSync(src);
  mkdirSync(CACHE, { recursive: true });
  const cached = path.join(CACHE, `${key}-${s.size}-${Math.round(s.mtimeMs)}.xz`);
  if (!existsSync(cached)) {
    log(`xz -9e ${src} (${(s.size / 2 ** 20).toFixed(1)} MiB; a minute or two, cached after)`);
    const r = spawnSync('sh', ['-c', `xz -9e -T0 -c "$0" > "$1.tmp" && mv "$1.tmp" "$1"`, src, cached], {
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error(`xz failed on ${src} (is xz-utils installed?)`);
  }
  copyFileSync(cached, dest);
}

function dirBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const p = path.join(dir, e.name);
    return n + (e.isDirectory() ? dirBytes(p) : e.isFile() ? statSync(p).size : 0);
  }, 0);
}

/** Bytes of what the device tool sends besides the pack: tracked files and untracked ones git does not ignore. */
function treeBytes(): number | null {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    return out
      .split('\0')
      .filter(Boolean)
      .reduce((n, f) => {
        try {
          return n + statSync(path.join(ROOT, f)).size;
        } catch {
          return n;
        }
      }, 0);
  } catch {
    return null;
  }
}

async function packModel(id: string, out: string, sizes: number[]): Promise<PackModel> {
  const src = path.join(ROOT, 'models', id);
  const card = await readModelCard(src);
  const dir = path.join('models', id);
  mkdirSync(path.join(out, dir), { recursive: true });
  copyFileSync(path.join(src, 'card.json'), path.join(out, dir, 'card.json'));
  const offered = tilesOf(card);
  const tiles = offered.filter((t) => sizes.includes(t.size));
  if (tiles.length === 0)
    throw new Error(
      `${id} offers ${offered.map((t) => t.size).join(', ')} px tiles, none of ${sizes.join(', ')}`,
    );
  const trained = offered[0];
  const packed: PackModel['tiles'] = [];
  for (const t of [trained, ...tiles.filter((x) => x !== trained)]) {
    const graph = JSON.parse(readFileSync(path.join(src, t.modelFile), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    for (const f of [t.modelFile, ...graph.weightsManifest.flatMap((g) => g.paths)])
      copyFileSync(path.join(src, f), path.join(out, dir, f));
    const flops = await countModelFileFlops(path.join(src, t.modelFile));
    if (tiles.includes(t))
      packed.push({
        size: t.size,
        batch: t.batchSize,
        modelFile: t.modelFile,
        flopsPerTile: flops.flopsPerItem,
      });
  }
  const parityFile = card.parity?.file;
  if (parityFile) copyFileSync(path.join(src, parityFile), path.join(out, dir, parityFile));
  const target = card.inputs.find((i) => i.role === 'target') ?? card.inputs[0];
  return {
    id,
    dir,
    kind: torchKind(card),
    width: Number(card.config?.width ?? 16),
    depth: Number(card.config?.depth ?? 4),
    inputs: card.inputs.map((i) => i.name),
    output: card.output.name,
    activation: card.output.activation,
    trainedSize: target.size,
    mpp: target.mpp,
    trainedModelFile: trained.modelFile,
    ...(parityFile ? { parityFile } : {}),
    tiles: packed.sort((a, b) => a.size - b.size),
  };
}

/** The system's copies of LIBS (resolved), into out/lib under their sonames. */
function packLibs(out: string): string[] {
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  const known = r.status === 0 ? parseLdconfig(r.stdout) : new Map<string, string>();
  mkdirSync(path.join(out, 'lib'), { recursive: true });
  const got: string[] = [];
  for (const lib of LIBS) {
    const p = known.get(lib);
    if (!p) continue;
    copyFileSync(realpathSync(p), path.join(out, 'lib', lib));
    got.push(lib);
  }
  if (!got.includes('libvulkan.so.1'))
    log('no libvulkan.so.1 here (apt-get install libvulkan1): the pack relies on the GPU machine having one');
  return got;
}

export async function run(args: string[]): Promise<unknown> {
  const out = path.resolve(ROOT, option(args, 'out') ?? '.gpu-pack');
  const ids = (option(args, 'models') ?? 'unet,mrn-bilinear').split(',').filter(Boolean);
  const sizes = (option(args, 'tiles') ?? '64,256').split(',').map(Number);
  const webgpuMs = Number(option(args, 'webgpu-ms') ?? 3000);
  const torchMs = Number(option(args, 'torch-ms') ?? 3000);
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(
      `the pack carries this Node, so build it on linux-x64 (this is ${process.platform}-${process.arch})`,
    );
  const dawnSrc = path.join(ROOT, 'node_modules/webgpu/dist/linux-x64/dawn.node');
  if (!existsSync(dawnSrc))
    throw new Error(`${dawnSrc} is missing: npm ci installs the webgpu devDependency`);

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  xzCached(process.execPath, path.join(out, 'node.xz'), `node-${process.version}`);
  const webgpuVersion = JSON.parse(
    readFileSync(path.join(ROOT, 'node_modules/webgpu/package.json'), 'utf8'),
  ).version;
  xzCached(dawnSrc, path.join(out, 'dawn.node.xz'), `dawn-${webgpuVersion}`);
  const libs = packLibs(out);

  log('bundling bench/gpu/pack-main.ts with esbuild');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'pack-main.ts')],
    outfile: path.join(out, 'bench.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    // tfjs's CommonJS parts call require(): give the ES module one
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });

  const models: PackModel[] = [];
  for (const id of ids) models.push(await packModel(id, out, sizes));

  mkdirSync(path.join(out, 'py/training'), { recursive: true });
  mkdirSync(path.join(out, 'py/bench'), { recursive: true });
  for (const f of readdirSync(path.join(ROOT, 'training')).filter((f) => f.endsWith('.py')))
    copyFileSync(path.join(ROOT, 'training', f), path.join(out, 'py/training', f));
  copyFileSync(path.join(ROOT, 'bench/torch_inference.py'), path.join(out, 'py/bench/torch_inference.py'));
  const job = {
    budgetMs: torchMs,
    device: 'auto',
    peakSizes: [1024, 2048],
    cudaPeakSizes: [4096, 8192],
    // on the CPU only (no CUDA): one thread beside the defaults, for an oversubscribed machine
    oneThread: true,
    models: models.map((m) => ({
      id: m.id,
      dir: m.dir,
      kind: m.kind,
      width: m.width,
      depth: m.depth,
      inputs: m.inputs,
      tiles: m.tiles.map((t) => ({ size: t.size, batch: t.batch, batchSweep: sweepFor(t.size) })),
    })),
  };
  writeFileSync(path.join(out, 'torch-job.json'), JSON.stringify(job, null, 2));
  cpSync(path.join(import.meta.dirname, 'run.sh'), path.join(out, 'run.sh'));

  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {}
  const tfjs = JSON.parse(
    readFileSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8'),
  );
  const manifest: PackManifest = {
    createdAt: new Date().toISOString(),
    commit,
    node: { version: process.version, file: 'node.xz' },
    dawn: { package: `webgpu@${webgpuVersion}`, file: 'dawn.node.xz' },
    tfjs: tfjs.version,
    torchJob: 'torch-job.json',
    models,
    budgets: { webgpuMsPerTile: webgpuMs, torchMsPerTile: torchMs, pipeline: 8 },
  };
  writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));

  const files = readdirSync(out).map((f) => ({
    path: f,
    bytes: statSync(path.join(out, f)).isDirectory()
      ? dirBytes(path.join(out, f))
      : statSync(path.join(out, f)).size,
  }));
  const total = dirBytes(out);
  const tree = treeBytes();
  const mib = (n: number) => Math.round((n / 2 ** 20) * 100) / 100;
  const fits = total <= LIMIT && (tree === null || total + tree <= LIMIT);
  if (!fits)
    log(`the pack with the working tree is ${mib(total + (tree ?? 0))} MiB: over the device's 64 MiB`);
  return {
    out: path.relative(ROOT, out) || '.',
    files,
    libs,
    models: models.map((m) => ({ id: m.id, tiles: m.tiles })),
    totalMiB: mib(total),
    workingTreeMiB: tree === null ? null : mib(tree),
    withTreeMiB: tree === null ? null : mib(total + tree),
    limitMiB: 64,
    fits,
    run: `device run: carry ["${path.relative(ROOT, out)}"], command "bash ${path.relative(ROOT, out)}/run.sh"`,
  };
}
