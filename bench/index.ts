// npm run bench -- <suite> [suite …]: runs benchmark suites (bench/<suite>.ts) and prints JSON.
// Suites: tiles (slide reading), models (inference per backend), inference (viewport heatmaps),
// press-h (pressing H on the demo at 10×: time to the first coarse heatmap, U-Net and MRN),
// batch (the batch CLI: one process vs 1/2/4 BullMQ workers, a killed worker, Redis per job),
// deeplink (first viewport of a `?slide=` link on the built app; 50 ms latency, coalescing on/off),
// scale (a real 100k² BigTIFF made with libvips: first viewport and heap, from disk and by URL),
// convert (the ONNX converter on the test networks: conversion time, sizes),
// tensor-leak (tf.memory().numTensors over 1,000 patches' worth of 256 px tiles per browser backend: run it only by name),
// glas-sweep (the GlaS validation sweep's instance settings: shared-work path vs one per setting; run it only by name),
// gpu-pack (writes the GPU pack, bench/gpu/: it measures nothing here; run it only by name).
// With no suite named, all of them except gpu-pack run in order.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SUITES = ['tiles', 'models', 'inference', 'press-h', 'batch', 'deeplink', 'scale', 'convert'] as const;
const BY_NAME_ONLY = ['gpu-pack', 'tensor-leak', 'glas-sweep'] as const;

// suite names are the bare words that are not an option's value (`batch --slides 20`)
const argv = process.argv.slice(2);
const asked = argv.filter((a, i) => !a.startsWith('-') && !(i > 0 && /^--[^=]+$/.test(argv[i - 1])));
const suites = asked.length > 0 ? asked : [...SUITES];
for (const name of suites) {
  const file = path.join(import.meta.dirname, `${name}.ts`);
  if (!existsSync(file)) {
    console.error(`unknown benchmark suite '${name}'; have: ${[...SUITES, ...BY_NAME_ONLY].join(', ')}`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(file).href)) as { run: (args: string[]) => Promise<unknown> };
  const result = await mod.run(process.argv.slice(2));
  console.log(JSON.stringify({ suite: name, ...(result as object) }, null, 2));
}
