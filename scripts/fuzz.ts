// npm run fuzz -- [--seed N] [--iterations N] [--timeout MS] [--shared]
// Bounded mutation fuzzing of the slide reader: byte flips, truncations and IFD offset/count
// corruption over the good fixtures (and, with --shared, the ../shared slides, in memory only).
// Each case runs in a child process with a deadline; any hang, crash or untyped error is a
// failure, reported with the seed and case number to reproduce it. Exits 1 on failures.
// Cases run in one long-lived child process, replaced whenever it hangs or dies.

import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BlockCache } from '../src/slide/block-cache';
import { MemorySource } from '../src/slide/byte-source';
import { DEFAULT_LIMITS } from '../src/slide/slide-limits';
import { parseTiff } from '../src/slide/tiff-parser';
import { sharedPath } from '../src/util/node/shared-data';
import { DICOM_BAD_FIXTURES, DICOM_SEEDS } from './fixtures/dicom-bad-fixtures';
import { DICOM_FIXTURES, dicomFixture } from './fixtures/dicom-fixtures';
import type { FuzzRequest, FuzzResult } from './fixtures/fuzz-worker';
import { GOOD_FIXTURES } from './fixtures/good-fixtures';
import { makeNdpi, makeNdpiWithoutMcuStarts } from './fixtures/ndpi-fixtures';
import { makePhilipsTiff } from './fixtures/philips-fixtures';
import { makePlainImage } from './fixtures/plain-fixtures';
import { makeStripedTiff } from './fixtures/striped-fixtures';

/** bad input should fail within this (issue 10); slower cases are listed and saved */
const SLOW_MS = 2000;

interface Options {
  seed: number;
  iterations: number;
  timeoutMs: number;
  shared: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { seed: Date.now() % 1_000_000, iterations: 300, timeoutMs: 10_000, shared: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--iterations') o.iterations = Number(argv[++i]);
    else if (a === '--timeout') o.timeoutMs = Number(argv[++i]);
    else if (a === '--shared') o.shared = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** mulberry32: small, seedable, good enough for mutation choices */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seed {
  name: string;
  bytes: Uint8Array;
  /** offsets of every IFD, for targeted corruption */
  ifds: number[];
  bigTiff: boolean;
  littleEndian: boolean;
  /** may a failing mutant be written to disk (not for ../shared data) */
  savable: boolean;
}

async function loadSeed(name: string, bytes: Uint8Array, savable: boolean): Promise<Seed> {
  const isTiff = bytes[0] === bytes[1] && (bytes[0] === 0x49 || bytes[0] === 0x4d);
  if (!isTiff) {
    // DICOM and plain images: no IFDs; their mutations hit header fields instead (see mutate)
    return { name, bytes, ifds: [], bigTiff: false, littleEndian: true, savable };
  }
  const tiff = await parseTiff(new BlockCache(new MemorySource(bytes, name)), DEFAULT_LIMITS);
  const ifds = tiff.ifds.flatMap((i) => [i.offset, ...i.subIfds.map((s) => s.offset)]);
  return { name, bytes, ifds, bigTiff: tiff.bigTiff, littleEndian: tiff.littleEndian, savable };
}

type Mutation = { kind: string; bytes: Uint8Array };

function mutate(seed: Seed, r: () => number): Mutation {
  const b = seed.bytes.slice();
  const pick = (n: number) => Math.floor(r() * n);
  const dv = new DataView(b.buffer);
  const choice = pick(4);
  if (choice === 0) {
    const n = 1 + pick(32);
    for (let i = 0; i < n; i++) b[pick(b.length)] = pick(256);
    return { kind: `flip ${n} bytes`, bytes: b };
  }
  if (choice === 1) {
    const len = pick(b.length);
    return { kind: `truncate to ${len}`, bytes: b.subarray(0, len) };
  }
  if (seed.ifds.length === 0) {
    // DICOM: overwrite 2 or 4 bytes somewhere in the header (element lengths, item lengths,
    // offset tables) or in the pixel data's item headers with a hostile value; plain images:
    // the same near their start (sizes in IHDR, SOF, BITMAPINFOHEADER, VP8 headers)
    const dicom = String.fromCharCode(...b.subarray(128, 132)) === 'DICM';
    const head = dicom ? 132 : 0;
    const at = r() < 0.7 ? head + pick(Math.max(1, Math.min(b.length, 8192) - head - 4)) : pick(b.length - 4);
    const value = [0, 1, 0xffffffff, 0x7fffffff, b.length, pick(1 << 24)][pick(6)];
    const le = r() < 0.5;
    if (r() < 0.5) dv.setUint16(at, value & 0xffff, le);
    else dv.setUint32(at, value >>> 0, le);
    return { kind: `${dicom ? 'dicom' : 'header'} field at ${at} = ${value}`, bytes: b };
  }
  // Corrupt a directory entry's count or value/offset field, or a next-IFD pointer.
  const big = seed.bigTiff;
  const le = seed.littleEndian;
  const ifd = seed.ifds[pick(seed.ifds.length)];
  const n = big ? Number(dv.getBigUint64(ifd, le)) : dv.getUint16(ifd, le);
  const entrySize = big ? 20 : 12;
  const evil = [
    0,
    1,
    0xffffffff,
    0x7fffffff,
    b.length - 1,
    b.length + 8,
    ifd,
    seed.ifds[0],
    pick(b.length),
    pick(1 << 20),
  ];
  const value = evil[pick(evil.length)];
  const write = (at: number) => {
    if (big) dv.setBigUint64(at, BigInt(value), le);
    else dv.setUint32(at, value >>> 0, le);
  };
  if (choice === 2) {
    const e = ifd + (big ? 8 : 2) + pick(n) * entrySize;
    const field = r() < 0.5 ? 'count' : 'value';
    write(e + 4 + (field === 'value' ? (big ? 8 : 4) : 0));
    return { kind: `entry ${field} := ${value} in IFD @${ifd}`, bytes: b };
  }
  write(ifd + (big ? 8 : 2) + n * entrySize);
  return { kind: `next-IFD pointer := ${value} in IFD @${ifd}`, bytes: b };
}

type Outcome = FuzzResult | { id: number; outcome: 'hang' | 'crash'; message: string };

class Runner {
  private child: ChildProcess | null = null;
  restarts = 0;
  constructor(private timeoutMs: number) {}

  private spawn(): ChildProcess {
    const path = new URL('./fixtures/fuzz-worker.ts', import.meta.url).pathname;
    this.child = fork(path, [], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: 'inherit',
    });
    return this.child;
  }

  run(req: FuzzRequest): Promise<Outcome> {
    const c = this.child ?? this.spawn();
    return new Promise((resolve) => {
      const done = (v: Outcome) => {
        clearTimeout(timer);
        c.off('message', onMessage);
        c.off('exit', onExit);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.child = null;
        this.restarts++;
        c.kill('SIGKILL');
        done({ id: req.id, outcome: 'hang', message: `no answer within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      const onMessage = (m: unknown) => {
        if ((m as FuzzResult).id === req.id) done(m as FuzzResult);
      };
      const onExit = (code: number | null, signal: string | null) => {
        this.child = null;
        this.restarts++;
        done({ id: req.id, outcome: 'crash', message: `child exited (code ${code}, signal ${signal})` });
      };
      c.on('message', onMessage);
      c.on('exit', onExit);
      c.send(req);
    });
  }

  close(): void {
    this.child?.kill();
    this.child = null;
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  console.log(`fuzz: seed ${opts.seed}, ${opts.iterations} iterations, timeout ${opts.timeoutMs} ms`);
  const seeds: Seed[] = [];
  for (const f of GOOD_FIXTURES.filter((g) => g.file !== 'deflate.tif'))
    seeds.push(await loadSeed(f.file, await f.make(), true));
  for (const f of DICOM_SEEDS) seeds.push(await loadSeed(f.file, await f.make(), true));
  // formats beyond tiled TIFF: strips (LZW, JPEG) and Philips' XML pyramid with sparse tiles
  seeds.push(await loadSeed('striped-lzw.tif', await makeStripedTiff('lzw'), true));
  seeds.push(await loadSeed('striped-jpeg.tif', await makeStripedTiff('jpeg'), true));
  seeds.push(await loadSeed('philips.tiff', await makePhilipsTiff(), true));
  // NDPI (McuStarts, 64-bit offsets) and the plain images
  seeds.push(await loadSeed('fixture.ndpi', await makeNdpi(), true));
  for (const kind of ['png', 'jpeg', 'bmp', 'webp'] as const)
    seeds.push(await loadSeed(`plain.${kind}`, await makePlainImage(kind), true));
  // an NDPI without McuStarts: its segments are found by scanning for restart markers
  seeds.push(await loadSeed('no-mcustarts.ndpi', await makeNdpiWithoutMcuStarts(), true));
  if (opts.shared) {
    for (const p of [
      sharedPath('cmuSvs'),
      sharedPath('camelyonLevel5'),
      sharedPath('ndpi'),
      sharedPath('dicomSamples', 'panimg_sparse_with_bot.dcm'),
      sharedPath('dicomSamples', 'hd_sm_image_jpegls.dcm'),
      sharedPath('dicomSamples', 'hd_sm_image.dcm'),
      ...dicomFixture(DICOM_FIXTURES[0]).slice(-2),
    ]) {
      if (existsSync(p)) seeds.push(await loadSeed(p, new Uint8Array(readFileSync(p)), false));
      else console.log(`fuzz: skipped seed ${p} (absent)`);
    }
  }
  const r = rng(opts.seed);
  const runner = new Runner(opts.timeoutMs);
  const tally = new Map<string, number>();
  const failures: string[] = [];
  const outDir = join(process.cwd(), '.cache', 'fuzz-failures');
  failures.push(...(await badDicomCorpus(runner)));
  const t0 = performance.now();
  const times: number[] = [];
  let slowest = { ms: 0, what: '' };
  const slow: string[] = [];
  for (let i = 0; i < opts.iterations; i++) {
    const seed = seeds[Math.floor(r() * seeds.length)];
    const m = mutate(seed, r);
    const c0 = performance.now();
    const res = await runner.run({ id: i, bytes: m.bytes });
    // the child's own time for the case where it answered (not its start after a restart)
    const ms = (res as FuzzResult).ms ?? performance.now() - c0;
    times.push(ms);
    if (ms > slowest.ms) slowest = { ms, what: `#${i} ${seed.name} (${m.kind})` };
    if (ms > SLOW_MS) {
      // over the 2 s bar: not a failure (a loaded machine is slow too), but kept to look at
      slow.push(`#${i} ${Math.round(ms)} ms on ${seed.name} (${m.kind})`);
      if (seed.savable) {
        await mkdir(outDir, { recursive: true });
        await writeFile(join(outDir, `seed${opts.seed}-case${i}-slow.bin`), m.bytes);
      }
    }
    const key = res.outcome === 'slide-error' ? `slide-error:${(res as FuzzResult).code}` : res.outcome;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (res.outcome === 'hang' || res.outcome === 'crash' || res.outcome === 'untyped') {
      const line = `#${i} ${res.outcome} on ${seed.name} (${m.kind}): ${res.message?.split('\n').slice(0, 3).join(' | ')}`;
      failures.push(line);
      console.log(line);
      if (seed.savable) {
        await mkdir(outDir, { recursive: true });
        await writeFile(join(outDir, `seed${opts.seed}-case${i}.tif`), m.bytes);
      }
    }
    if ((i + 1) % 50 === 0) console.log(`  ${i + 1}/${opts.iterations}`);
  }
  runner.close();
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `\nfuzz: ${opts.iterations} cases in ${secs} s (seed ${opts.seed}); child restarts ${runner.restarts}`,
  );
  // each case's time, open to last read (the bar is 2 s: bad input must fail fast)
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
  console.log(
    `  per case: median ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${slowest.ms.toFixed(0)} ms (${slowest.what})`,
  );
  if (slow.length)
    console.log(`  over ${SLOW_MS} ms (saved in .cache/fuzz-failures):\n    ${slow.join('\n    ')}`);
  for (const [k, v] of [...tally.entries()].sort()) console.log(`  ${k.padEnd(36)} ${v}`);
  if (failures.length) {
    console.log(
      `\n${failures.length} failure(s). Reproduce with: npm run fuzz -- --seed ${opts.seed} --iterations ${opts.iterations}`,
    );
    process.exit(1);
  }
  console.log('no hangs, crashes or untyped errors');
}

/** should a bad file take longer than this to be refused, the run says so (and fails) */
const BAD_FILE_MS = 2000;

/**
 * The bad DICOM corpus, each file once, timed: open it and read a little of everything, as a fuzz
 * case does. Each must end with its own error (or, for a sparse level's missing frame, none).
 */
async function badDicomCorpus(runner: Runner): Promise<string[]> {
  const failures: string[] = [];
  // the child's start (tsx, decoders) is not the first file's time
  await runner.run({ id: -1, bytes: await DICOM_SEEDS[0].make() });
  console.log('bad DICOM corpus (open + tiles + regions, one child process):');
  for (const [k, f] of DICOM_BAD_FIXTURES.entries()) {
    const bytes = await f.make();
    const t = performance.now();
    const res = await runner.run({ id: -2 - k, bytes });
    const ms = performance.now() - t;
    const got = res.outcome === 'slide-error' ? (res as FuzzResult).code : res.outcome;
    const want = f.code ?? 'ok';
    console.log(`  ${f.file.padEnd(26)} ${String(got).padEnd(14)} ${ms.toFixed(0).padStart(5)} ms`);
    if (got !== want) failures.push(`bad corpus ${f.file}: ${got}, expected ${want} (${res.message ?? ''})`);
    if (ms > BAD_FILE_MS) failures.push(`bad corpus ${f.file}: ${ms.toFixed(0)} ms, over ${BAD_FILE_MS} ms`);
  }
  for (const line of failures) console.log(line);
  return failures;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(2);
});
