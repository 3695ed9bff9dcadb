// A process warning (a listener leak, a deprecation) is a bug in a test or in the library.
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning') return;
  throw warning;
});
