declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (options?: object) => Promise<unknown>;
  export default factory;
}
