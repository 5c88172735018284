import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { type Harness, type HarnessOptions, startHarness } from './service-harness.js';

export const chromiumPath = '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.CI)
  throw new Error('CI must install chromium (apt-get install chromium) for the browser tests');

const webDir = fileURLToPath(new URL('../../web/', import.meta.url));
const require = createRequire(join(webDir, 'package.json'));
const axePath = require.resolve('axe-core/axe.min.js');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * Builds the settings UI when its sources are newer than the build (a fresh clone, or an edit), so the browser
 * tests never run against a stale page. A lock directory keeps two test workers from building at once.
 */
export async function ensureWebBuilt() {
  const built = join(webDir, 'dist', 'index.html');
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => newestMtime(join(webDir, p)));
  const fresh = () => existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources);
  if (fresh()) return;
  const lock = join(webDir, '.build-lock');
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 120_000) throw new Error(`${lock} is held for two minutes: remove it if no build is running`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if (!fresh())
      execFileSync(process.execPath, [join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'), 'build'], {
        cwd: webDir,
        stdio: 'pipe',
        // vitest sets NODE_ENV=test, which would make Vite bundle React's development build
        env: { ...process.env, NODE_ENV: 'production' },
      });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A browser context as a person would have; `bypassCSP` lets the tests inject axe-core into the page. */
export function newVisitor(browser: Browser, options: { width?: number } = {}): Promise<BrowserContext> {
  return browser.newContext({
    bypassCSP: true,
    viewport: { width: options.width ?? 1280, height: 800 },
    reducedMotion: 'reduce',
  });
}

/** Runs axe-core in the page and fails with each violation's rule, help and elements. */
export async function expectNoAxeViolations(page: Page, state: string) {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n: any) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
  expect(violations, `axe violations in the ${state} state`).toEqual([]);
}

/** Where screenshots go: docs/screenshots when HUBGATE_SCREENSHOTS=1 (to refresh the committed ones), else .tmp. */
export function screenshotPath(name: string): string {
  const dir = process.env.HUBGATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))
    : join(dirname(fileURLToPath(import.meta.url)), '../../../.tmp/screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

/** Signs in on the sandbox's OpenID provider by picking the demo user's button. */
export async function signInAs(page: Page, hubUrl: string, who: 'Ada Admin' | 'Bob Member' | 'Cyd', path = '/workspace/settings/repos') {
  await page.goto(`${hubUrl}/auth/login?return_to=${encodeURIComponent(path)}`);
  await page.getByRole('button', { name: new RegExp(who) }).click();
  await page.waitForURL(`${hubUrl}${path}*`);
  await page.getByRole('button', { name: /Ada|Bob|Cyd/ }).first().waitFor();
}

/**
 * A describe block's service (the sandbox harness) and browser, started once before its tests and closed after
 * them; `use` receives both when they are up.
 */
export function withBrowserAndService(use: (started: { h: Harness; browser: Browser }) => void, options?: HarnessOptions) {
  const started: { h?: Harness; browser?: Browser } = {};
  beforeAll(async () => {
    await ensureWebBuilt();
    started.h = await startHarness(options);
    started.browser = await launchChromium();
    use({ h: started.h, browser: started.browser });
  }, 180_000);
  afterAll(async () => {
    await started.browser?.close();
    await started.h?.close();
  });
}
