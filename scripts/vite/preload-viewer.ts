// Adds <link rel="modulepreload"> for the chunks the entry imports dynamically first (the viewer:
// OpenSeadragon and the slide session), so a deep link downloads them while the entry chunk
// itself is still being fetched and run, instead of after (src/main.tsx's step 2). Build only:
// the dev server serves modules unbundled.

import type { Plugin } from 'vite';

/** `modules`: source paths (ending) of the dynamically imported modules whose chunks to preload */
export function preloadViewer(modules: string[]): Plugin {
  let base = '/';
  return {
    name: 'mrn-preload-viewer',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return [];
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const loadedByEntry = new Set<string>();
        const closure = (fileName: string, into: Set<string>) => {
          const c = bundle[fileName];
          if (c?.type !== 'chunk' || into.has(fileName)) return;
          into.add(fileName);
          for (const i of c.imports) closure(i, into);
        };
        for (const c of chunks) if (c.isEntry) closure(c.fileName, loadedByEntry);
        const wanted = new Set<string>();
        for (const c of chunks) {
          // the module's own chunk, or the group chunk it was put in (vite.config.ts)
          const ids = [c.facadeModuleId ?? '', ...c.moduleIds];
          if (modules.some((m) => ids.some((id) => id.endsWith(m)))) closure(c.fileName, wanted);
        }
        return [...wanted]
          .filter((f) => !loadedByEntry.has(f))
          .map((f) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `${base}${f}` },
            injectTo: 'head' as const,
          }));
      },
    },
  };
}
