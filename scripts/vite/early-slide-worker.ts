// Starts a deep link's slide worker from index.html itself (src/slide/early-open.ts): a classic
// script in <head> reads ?slide= and starts the worker with the slide to open in its name, while
// the page is still parsing, before the entry chunk (and everything it waits for) has loaded and run.
// `?early=0` leaves it to the entry as before (tests compare both).

import type { Plugin } from 'vite';
import { EARLY_WORKER_GLOBAL, EARLY_WORKER_NAME_PREFIX } from '../../src/slide/early-open';

/** the worker's source, as src/slide/slide-client.ts starts it */
const WORKER_SOURCE = 'src/slide/slide-worker.ts';

export function earlyScript(workerUrl: string): string {
  // the name is early-open.ts's earlyWorkerName (early-slide-worker.test.ts); coalesce follows
  // url-state.ts's rule
  return `(()=>{try{const q=new URLSearchParams(location.search);const s=q.get('slide');if(!s||q.get('early')==='0')return;const w=new Worker(${JSON.stringify(workerUrl)},{type:'module',name:${JSON.stringify(EARLY_WORKER_NAME_PREFIX)}+JSON.stringify({input:s,coalesce:q.get('coalesce')!=='0'})});window[${JSON.stringify(EARLY_WORKER_GLOBAL)}]={worker:w,input:s};}catch(e){console.warn('early slide open:',e)}})();`;
}

export function earlySlideWorker(): Plugin {
  let base = '/';
  return {
    name: 'mrn-early-slide-worker',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        let url: string;
        if (ctx.bundle) {
          // the build emits the worker as its own file (vite's worker pipeline)
          const file = Object.keys(ctx.bundle).find((f) => /(^|\/)slide-worker-[\w-]+\.js$/.test(f));
          if (!file) throw new Error(`early-slide-worker: no slide-worker chunk in the bundle`);
          url = `${base}${file}`;
        } else {
          // the dev server serves the worker's module under vite's worker query
          url = `${base}${WORKER_SOURCE}?worker_file&type=module`;
        }
        return [{ tag: 'script', children: earlyScript(url), injectTo: 'head-prepend' as const }];
      },
    },
  };
}
