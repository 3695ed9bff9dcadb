// Public surface of src/compose: re-exported by src/index.ts.
export {};
