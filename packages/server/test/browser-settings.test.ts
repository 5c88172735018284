import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './service-harness.js';

const executablePath = '/usr/bin/chromium';
const haveChromium = existsSync(executablePath);
if (!haveChromium && process.env.CI) throw new Error('CI must install chromium (apt-get install chromium) for the browser tests');

describe.skipIf(!haveChromium)('the settings page in a real browser', () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startHarness();
    browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    mkdirSync('.tmp', { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('lets an admin sign in, connect GitHub on "Only select repositories", and disconnect; a member only sees the state', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.hub.url}/workspace/settings/repos`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /Ada Admin/ }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Connect GitHub' }).isVisible()).toBe(true);
    expect(await page.textContent('#connection')).toContain('Only select repositories');

    await page.getByRole('button', { name: 'Connect GitHub' }).click();
    await page.getByRole('button', { name: 'Sign in as ada' }).click();
    await page.getByLabel(/tisket-com/).check();
    await page.getByLabel('Only select repositories').check();
    await page.getByRole('button', { name: 'Install' }).click();
    await expect.poll(() => page.textContent('#connection'), { timeout: 15_000 }).toContain('Connected to tisket-com');
    expect(await page.textContent('#connection')).toContain('Organization · Installed');
    expect(await page.getByRole('link', { name: 'Manage on GitHub' }).getAttribute('href')).toMatch(/\/organizations\/tisket-com\/settings\/installations\/\d+$/);
    await page.screenshot({ path: '.tmp/settings-connected.png', fullPage: true });

    const member = await (await browser.newContext()).newPage();
    await member.goto(`${h.hub.url}/auth/login?return_to=/workspace/settings/repos`);
    await member.getByRole('button', { name: /Bob Member/ }).click();
    await expect.poll(() => member.textContent('#connection')).toContain('Connected to tisket-com');
    expect(await member.getByRole('button', { name: 'Disconnect' }).count()).toBe(0);

    page.on('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Connect GitHub' }).isVisible()).toBe(true);
    await page.screenshot({ path: '.tmp/settings-disconnected.png', fullPage: true });
  });
});
