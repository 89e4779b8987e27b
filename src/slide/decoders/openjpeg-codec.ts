// The OpenJPEG codec (CommonJS) behind an ES module of its own: imported lazily through this file,
// the bundler's CommonJS interop helper lands in the codec's chunk instead of the slide worker's
// entry, which then loads as one file (no second request before a slide's first read).
export { default } from '@cornerstonejs/codec-openjpeg/decodewasmjs';
