// Runs the whole suite (typecheck, lint, vitest) and ends with the plain closing line
// "N passed, N failed" that CI reads, because vitest's own summary is not in that form.
// HUBGATE_TESTS_ONLY=1 skips typecheck and lint (CI's second run, on another Node, needs only the tests).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

const staticChecks = process.env.HUBGATE_TESTS_ONLY !== '1';
if (staticChecks && run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) {
  console.error('typecheck failed');
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
if (staticChecks && run('npx', ['eslint', '.']) !== 0) {
  console.error('lint failed');
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
mkdirSync('.tmp', { recursive: true });
const status = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=.tmp/vitest.json',
  ...process.argv.slice(2),
]);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync('.tmp/vitest.json', 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
  skipped = report.numPendingTests + report.numTodoTests;
} catch {
  failed = failed || 1;
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status === 0 && failed === 0 && passed > 0 ? 0 : 1);
