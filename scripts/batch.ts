// Batch analysis CLI: the viewer's reader, planner, models and exports over many slides.
//
//   npm run batch -- analyze --model <id> [--model <id>…] --out DIR [--force] [--truth FILE|DIR]
//                    [--threshold 0.5] [--concurrency N] [--backend wasm|cpu] [--cascade 1|0] <slides or folders…>
//   npm run batch -- enqueue --redis <url> --model <id> --out DIR [--force] [--attempts 3] [--cascade 1|0] <slides…>
//   npm run batch -- worker --redis <url> [--concurrency N] [--lock-ms 60000] [--stall-ms 30000]
//   npm run batch -- status --redis <url> [--wait] [--timeout S]
//
// --cascade (default 1, as the viewer's ?cascade=): MRN models run the coarse-to-fine cascade, the
// 4 µm/px screen first and the model only where it is unsure; 0 runs the model on every patch.
// Commands that print JSON print one document, last, on stdout; logs and progress go to stderr.
// See README "Batch analysis" and src/batch/.

import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { analyzeAll } from '../src/batch/node/analyze-command';
import { planJobs } from '../src/batch/node/plan-jobs';
import { progressReporter } from '../src/batch/progress-report';

const [command, ...rest] = process.argv.slice(2);
const log = (m: string) => process.stderr.write(`${m}\n`);

function fail(message: string, code = 2): never {
  log(`batch: ${message}`);
  process.exit(code);
}

const { values, positionals } = parseArgs({
  args: rest,
  allowPositionals: true,
  options: {
    model: { type: 'string', multiple: true },
    'models-dir': { type: 'string', default: 'models' },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
    truth: { type: 'string' },
    threshold: { type: 'string', default: '0.5' },
    concurrency: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    redis: { type: 'string' },
    attempts: { type: 'string', default: '3' },
    backoff: { type: 'string', default: '2000' },
    'lock-ms': { type: 'string', default: '60000' },
    'stall-ms': { type: 'string', default: '30000' },
    wait: { type: 'boolean', default: false },
    timeout: { type: 'string' },
    'write-log': { type: 'string' },
    queue: { type: 'string', default: 'mrn-batch' },
    cascade: { type: 'string', default: '1' },
  },
});

const int = (name: keyof typeof values, min = 1): number => {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < min) fail(`--${name} takes an integer ≥ ${min}`);
  return v;
};

const controller = new AbortController();
setMaxListeners(1024, controller.signal);

async function jobsFromArgs() {
  if (!values.out) fail('--out DIR is required');
  if (values.cascade !== '0' && values.cascade !== '1')
    fail('--cascade takes 1 (on, the default) or 0 (off)');
  try {
    return await planJobs({
      inputs: positionals,
      models: values.model ?? [],
      out: values.out,
      modelsDir: values['models-dir'],
      threshold: Number(values.threshold),
      force: values.force,
      truth: values.truth,
      writeLog: values['write-log'],
      cascade: values.cascade === '1',
      signal: controller.signal,
    });
  } catch (e) {
    fail((e as Error).message);
  }
}

function redisUrl(): string {
  if (!values.redis) fail('--redis <url> is required (e.g. redis://127.0.0.1:6379)');
  return values.redis;
}

async function main(): Promise<number> {
  switch (command) {
    case 'analyze': {
      if (values.backend !== 'wasm' && values.backend !== 'cpu') fail('--backend is wasm or cpu in Node');
      const { jobs } = await jobsFromArgs();
      const started = performance.now();
      process.on('SIGINT', () => controller.abort());
      process.on('SIGTERM', () => controller.abort());
      log(`analyze: ${jobs.length} job(s), ${int('concurrency')} thread(s), backend ${values.backend}`);
      const rows = await analyzeAll(jobs, {
        concurrency: int('concurrency'),
        backend: values.backend,
        reporter: progressReporter(process.stderr),
        signal: controller.signal,
      });
      const failed = rows.filter((r) => r.error !== null).length;
      console.log(
        JSON.stringify({ jobs: rows, failed, elapsedMs: Math.round(performance.now() - started) }, null, 2),
      );
      return failed > 0 || controller.signal.aborted ? 1 : 0;
    }
    case 'enqueue':
    case 'worker':
    case 'status': {
      const q = await import('../src/batch/node/queue-commands');
      if (command === 'enqueue') {
        const { jobs } = await jobsFromArgs();
        const r = await q.enqueue(redisUrl(), jobs, {
          queue: values.queue,
          attempts: int('attempts'),
          backoffMs: int('backoff', 0),
          force: values.force,
        });
        console.log(JSON.stringify(r, null, 2));
        return 0;
      }
      if (command === 'worker') {
        await q.runWorker(redisUrl(), {
          queue: values.queue,
          concurrency: int('concurrency'),
          lockMs: int('lock-ms', 1000),
          stallMs: int('stall-ms', 500),
          backend: values.backend,
          log,
        });
        return 0;
      }
      const timeoutS = values.timeout === undefined ? null : Number(values.timeout);
      if (timeoutS !== null && !(timeoutS > 0)) fail('--timeout takes seconds > 0');
      const r = await q.status(redisUrl(), { queue: values.queue, wait: values.wait, timeoutS, log });
      console.log(JSON.stringify(r.report, null, 2));
      return r.timedOut ? 3 : 0;
    }
    default:
      fail(`unknown command '${command ?? ''}'; use analyze, enqueue, worker or status`);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => fail((e as Error).stack ?? String(e), 1),
);
