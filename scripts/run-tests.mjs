// Runs the whole suite (typecheck, lint, vitest) and ends with the plain closing line
// "N passed, N failed" that CI reads, because vitest's own summary is not in that form.
// HUBGATE_TESTS_ONLY=1 skips typecheck and lint (a second run on another Node needs only the tests);
// HUBGATE_TEST_SEED picks the shuffled order (below).
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
// The suite runs shuffled: each test builds the state it needs, and an order dependency shows as a failure with the
// seed printed here. CI uses a fixed seed so that a red run can be replayed; HUBGATE_TEST_SEED=random (or a number)
// picks another order, HUBGATE_TEST_SEED=none runs in file order.
const seedSetting = process.env.HUBGATE_TEST_SEED ?? '3';
const seed = seedSetting === 'random' ? String(Math.floor(Math.random() * 1_000_000)) : seedSetting;
const order = seed === 'none' ? [] : ['--sequence.shuffle', `--sequence.seed=${seed}`];
console.log(seed === 'none' ? 'tests in file order' : `tests shuffled with seed ${seed} (replay: HUBGATE_TEST_SEED=${seed} npm test)`);
const status = run('npx', [
  'vitest',
  'run',
  ...order,
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
