// Prints vitest's JSON reports as one plain closing line: "tests: N passed, N failed, N skipped".
// With no argument it adds up the main run and the serial run (when there is one).
import { existsSync, readFileSync } from 'node:fs';

const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : ['.vitest-results/results.json', '.vitest-results/serial.json'].filter(
        (file, i) => i === 0 || existsSync(file),
      );
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exitCode = 1;
