// Public surface of src/fleet: re-exported by src/index.ts.
export {};
