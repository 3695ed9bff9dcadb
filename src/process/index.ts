// Public surface of src/process: re-exported by src/index.ts.
export {};
