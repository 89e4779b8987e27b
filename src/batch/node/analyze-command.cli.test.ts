// `npm run batch -- analyze` as a user runs it: on a terminal (a pseudo-terminal from util-linux
// `script`) the progress is one redrawn bar per slide; piped, it is plain lines. Either way the
// JSON document alone is on stdout.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticSlide } from '../../synth/node/write-synthetic-slide';

const run = promisify(execFile);
/** the bar's line start: carriage return, then erase the line (ESC [2K) */
const REDRAW = `\r${String.fromCharCode(27)}[2K`;
const esc = (s: string) => s.replace(/[[\]\\^$.|?*+()]/g, '\\$&');
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
let slide: string;
const cli = (out: string) => [
  '--import',
  'tsx',
  'scripts/batch.ts',
  'analyze',
  '--model',
  'test-tiny-unet',
  '--out',
  out,
  slide,
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'analyze-cli-'));
  slide = (await writeSyntheticSlide({ seed: 3101, sizeMm: 1, outDir: dir, name: 'one' })).tiff;
}, 120_000);

describe('batch analyze progress', () => {
  it('prints plain lines when stderr is not a terminal', async () => {
    const { stdout, stderr } = await run(process.execPath, cli(join(dir, 'out-plain')), { timeout: 400_000 });
    expect(stderr.includes(String.fromCharCode(27))).toBe(false);
    expect(stderr).toMatch(/^one test-tiny-unet: 0\/\d+ patches$/m);
    const total = Number(stderr.match(/one test-tiny-unet: 0\/(\d+) patches/)?.[1]);
    expect(stderr).toMatch(new RegExp(`^one test-tiny-unet: ${total}/${total} patches$`, 'm'));
    expect(stderr).toMatch(/^one test-tiny-unet: \d+ patches in [\d.]+ s, tumour [\d.]+ mm²$/m);
    const doc = JSON.parse(stdout);
    expect(doc.failed).toBe(0);
    expect(doc.jobs[0]).toMatchObject({ model: 'test-tiny-unet', error: null, skipped: false });
  }, 400_000);

  it.skipIf(!hasScript)(
    'redraws one bar per slide on a terminal',
    async () => {
      const command = [process.execPath, ...cli(join(dir, 'out-tty'))].map((a) => `'${a}'`).join(' ');
      // script gives the command a pseudo-terminal and copies what it writes (stdout and stderr)
      const { stdout } = await run('script', ['-qec', command, '/dev/null'], { timeout: 400_000 });
      expect(stdout).toMatch(
        new RegExp(`${esc(REDRAW)}one test-tiny-unet {2}\\[[#.]{30}\\] +\\d+% {2}\\d+/\\d+`),
      );
      expect(stdout).toMatch(new RegExp(`${esc(REDRAW)}one test-tiny-unet {2}\\[#{30}\\] 100%`));
      expect(stdout).toMatch(new RegExp(`${esc(REDRAW)}one test-tiny-unet {2}\\d+ patches in [\\d.]+ s`));
      expect(stdout).not.toMatch(/^one test-tiny-unet: \d+\/\d+ patches$/m);
    },
    400_000,
  );
});
