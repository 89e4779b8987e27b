// Dependency rules for src/, checked by `npm run lint:deps` (part of `npm test`).
// CONTRIBUTING.md explains them. Layers, top to bottom: a folder may import folders of lower
// layers only, never one above it nor a sibling folder of its own layer.
//
//   main.tsx            entry: wires everything
//   ui, api             React UI; the window.mrnViewer scripting API (both drive state)
//   state, batch        zustand stores and the sessions that drive slides and analysis; the Node batch CLI's modules
//   viewer, analysis,   OpenSeadragon glue; patch planning, scheduling, ground truth, evaluation;
//   synth               synthetic slide generator (training data, fixtures)
//   inference, heatmap, TF.js engine and model cards; probability store, tiles, metrics, exports;
//   annotations, glas   annotation formats and the one rasteriser; GlaS gland metrics
//   tissue              the one tissue detector (training sampler, evaluation, inference)
//   geometry            patch geometry, the one polygon rasteriser (may read slide types)
//   slide               slide formats, byte sources, decoders
//   util                small helpers with no project imports (PRNG, abort, errors, base64)
//
// Node-only modules live in `*/node/` folders; browser code must not import them.

const LAYERS = [
  ['main.tsx'],
  ['ui', 'api'],
  ['state', 'batch'],
  ['viewer', 'analysis', 'synth'],
  ['inference', 'heatmap', 'annotations', 'glas'],
  ['tissue'],
  ['geometry'],
  ['slide'],
  ['util'],
];

const TEST_FILE = '\\.(test|fixture)\\.ts$';
const OPEN_SLIDE = '^src/slide/open-slide\\.ts$';
const folder = (name) => (name.endsWith('.tsx') ? `^src/${name.replace('.', '\\.')}$` : `^src/${name}/`);
const anyOf = (names) => `(${names.map(folder).join('|')})`;

const layerRules = [];
LAYERS.forEach((layer, i) => {
  const above = LAYERS.slice(0, i).flat();
  for (const name of layer) {
    // Tests may build their slides with src/synth (the fixture generator); nothing else goes up.
    const aboveForTests = above.filter((n) => n !== 'synth');
    if (above.length > 0) {
      layerRules.push({
        name: `layer-up:${name}`,
        comment: `src/${name} may not import a layer above it (${above.join(', ')}): imports point down`,
        severity: 'error',
        from: { path: folder(name), pathNot: TEST_FILE },
        to: { path: anyOf(above) },
      });
    }
    if (aboveForTests.length > 0) {
      layerRules.push({
        name: `layer-up-test:${name}`,
        comment: `tests in src/${name} may use src/synth to make slides, but no other layer above (${aboveForTests.join(', ')})`,
        severity: 'error',
        from: { path: `${folder(name)}.*${TEST_FILE}` },
        to: { path: anyOf(aboveForTests) },
      });
    }
    const siblings = layer.filter((n) => n !== name);
    const siblingsForTests = siblings.filter((n) => n !== 'synth');
    if (siblings.length > 0) {
      layerRules.push({
        name: `layer-sibling:${name}`,
        comment: `src/${name} may not import its sibling layer folders (${siblings.join(', ')}); move the shared piece down`,
        severity: 'error',
        from: { path: folder(name), pathNot: TEST_FILE },
        to: { path: anyOf(siblings) },
      });
    }
    if (siblingsForTests.length > 0) {
      layerRules.push({
        name: `layer-sibling-test:${name}`,
        comment: `tests in src/${name} may use src/synth to make slides, but no other sibling (${siblingsForTests.join(', ')})`,
        severity: 'error',
        from: { path: `${folder(name)}.*${TEST_FILE}` },
        to: { path: anyOf(siblingsForTests) },
      });
    }
  }
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles, of any length',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'react-only-in-ui-and-state',
      comment: 'only src/ui, src/state and src/main.tsx may import React',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(ui/|state/|main\\.tsx$)' },
      to: { path: '(^|/)node_modules/((react|react-dom)/|zustand/(index|react))' },
    },
    {
      name: 'node-only-stays-in-node',
      comment: 'browser code may not import */node/ modules (Node built-ins, sharp, fs); tests, scripts and bench may',
      severity: 'error',
      from: { path: '^src/', pathNot: ['/node/', TEST_FILE, 'test-helpers\\.ts$', OPEN_SLIDE] },
      to: { path: '^src/.*/node/' },
    },
    {
      name: 'open-slide-node-fallback',
      comment:
        'the one browser-side import of a node/ module: open-slide falls back to sharp (and fast-png) where there is no OffscreenCanvas; jpeg-sharp and plain-image-node load them through a hidden specifier, so bundles never include it',
      severity: 'error',
      from: { path: OPEN_SLIDE },
      to: {
        path: '^src/.*/node/',
        pathNot: '^src/slide/decoders/node/(jpeg-sharp|plain-image-node)\\.ts$',
      },
    },
    {
      name: 'sharp-only-in-node',
      comment: 'sharp (libvips) is Node only: import it from */node/ modules, tests or scripts',
      severity: 'error',
      from: { path: '^src/', pathNot: ['/node/', TEST_FILE, 'test-helpers\\.ts$'] },
      to: { path: '(^|/)node_modules/sharp/' },
    },
    {
      name: 'no-node-builtins-in-browser-code',
      comment: 'Node built-ins only in */node/ folders, tests and fixtures',
      severity: 'error',
      from: { path: '^src/', pathNot: ['/node/', TEST_FILE, 'test-helpers\\.ts$'] },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'folder-in-a-layer',
      comment: 'every folder of src/ belongs to a layer: add a new one to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(LAYERS.flat()) },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
