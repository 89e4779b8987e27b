// The README's "Bring your own model (ONNX)" example, run as written: its Python block (export a
// PyTorch net to net.onnx), then its `npm run convert` line with the README's card.json, in a
// temporary folder; the folder it writes loads through the project's loader and runs.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import { loadModelWith } from '../model-loader';
import { nodeFileHandler, readModelCard } from '../node/node-model-io';
import { hasOnnxPython } from './onnx-parity.fixture';

const ROOT = resolve(import.meta.dirname, '../../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Bring your own model (ONNX)'));
const block = (lang: string, containing: string) => {
  const re = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g');
  for (const m of section.matchAll(re)) if (m[1].includes(containing)) return m[1];
  throw new Error(`no \`\`\`${lang} block with "${containing}" in the README's ONNX section`);
};

describe.skipIf(!hasOnnxPython)("README's ONNX example", () => {
  it('exports, converts and runs as written', { timeout: 600_000 }, async () => {
    const python = block('python', 'torch.onnx.export');
    const command = block('bash', 'npm run convert').split('#')[0].trim();
    const card = block('json', '"id": "my-net"');
    expect(python.trim().split('\n').length).toBeLessThanOrEqual(5);
    const work = mkdtempSync(join(tmpdir(), 'readme-onnx-'));
    execFileSync('python3', ['-c', python], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 480_000,
    });
    expect(existsSync(join(work, 'net.onnx'))).toBe(true);
    writeFileSync(join(work, 'card.json'), card);
    // `npm run convert --` is package.json's script: run it from the temporary folder
    const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.convert;
    expect(script).toBe('tsx scripts/convert-onnx.ts');
    const args = command.replace(/^npm run convert -- /, '').split(/\s+/);
    execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'scripts/convert-onnx.ts'), ...args], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    const dir = join(work, 'models/my-net');
    const written = await readModelCard(dir);
    expect(written).toMatchObject({ id: 'my-net', batchSize: 8 });
    expect(written.inputs[0]).toMatchObject({ name: 'target', size: 256 });
    expect(written.output.channels.map((c) => c.name)).toEqual(['background', 'tumour']);
    const loaded = await loadModelWith(nodeFileHandler(join(dir, 'model.json')), written);
    const engine = createEngine({ backend: 'cpu', candidates: ['cpu'], batchSize: 8 });
    try {
      await engine.load(loaded.artifacts, loaded.spec);
      const probs = await engine.predict({ target: new Float32Array(8 * 256 * 256 * 3).fill(0.3) }, 8);
      expect(probs.length).toBe(8 * 256 * 256);
      expect(probs.every((p) => p > 0 && p < 1)).toBe(true); // softmax of the tumour channel
    } finally {
      engine.dispose();
    }
  });
});
