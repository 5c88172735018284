import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  withBrowserAndService,
  expectNoAxeViolations,
  haveChromium,
  newVisitor,
  screenshotPath,
  signInAs,
} from './browser-support.js';
import type { Harness } from './service-harness.js';

const connection = (page: Page) => page.getByRole('region', { name: 'GitHub Connection' });

describe.skipIf(!haveChromium)('the settings UI in a real browser', () => {
  let h: Harness;
  let browser: Browser;
  withBrowserAndService((started) => ({ h, browser } = started));

  /** Binds tisket-com to Tisket's tenant through the API, as Ada, and returns a way to undo it. */
  async function connectTisket(selection: 'all' | 'selected' = 'selected') {
    const ada = await h.signIn('user_ada');
    const done = await h.connect(ada, 'ada', 'tisket-com', selection);
    expect(done.finalUrl).toContain('connected=1');
    return { disconnect: () => h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true }) };
  }

  it('Ada signs in, connects GitHub on "Only select repositories", sees it connected, disconnects in the dialog and signs out', async () => {
    const context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(`${h.hub.url}/workspace/settings/repos`);
    await page.getByRole('heading', { name: 'Sign in to see your settings' }).waitFor();
    expect(await page.locator('header .product').textContent()).toBe('Tisket');
    await expectNoAxeViolations(page, 'signed-out');
    await page.screenshot({ path: screenshotPath('signed-out') });

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /Ada Admin/ }).click();
    await connection(page).getByRole('button', { name: 'Connect GitHub' }).waitFor();
    expect(await connection(page).textContent()).toContain('When prompted, select "Only select repositories".');
    expect(await page.getByRole('region', { name: /^Projects/ }).textContent()).toMatch(
      /Connect GitHub to create projects|not available on this server yet/,
    );
    await expectNoAxeViolations(page, 'disconnected');
    await page.screenshot({ path: screenshotPath('disconnected'), fullPage: true });

    await page.getByRole('button', { name: 'Connect GitHub' }).click();
    await page.getByRole('button', { name: 'Sign in as ada' }).click();
    await page.getByLabel(/tisket-com/).check();
    await page.getByLabel('Only select repositories').check();
    await page.getByRole('button', { name: 'Install' }).click();
    // "connected again" when another test of this file connected the same tenant before.
    await page.getByText(/^GitHub is connected( again)?\.$/).waitFor({ timeout: 15_000 });
    const connected = await connection(page).textContent();
    expect(connected).toContain('Connected to tisket-com');
    expect(connected).toMatch(/Organization · Installed [A-Z][a-z]{2} \d{1,2}, \d{4} · Only select repositories/);
    expect(page.url()).toBe(`${h.hub.url}/workspace/settings/repos`);
    expect(await page.getByRole('link', { name: /Manage on GitHub/ }).getAttribute('href')).toMatch(
      /\/organizations\/tisket-com\/settings\/installations\/\d+$/,
    );
    await expectNoAxeViolations(page, 'connected');
    await page.screenshot({ path: screenshotPath('connected'), fullPage: true });

    await page.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect GitHub from tisket-com?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('stay on GitHub');
    await expectNoAxeViolations(page, 'disconnect dialog');
    await page.screenshot({ path: screenshotPath('disconnect-dialog') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Disconnect');

    await page.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.getByLabel(/^Also uninstall the \w+ app from tisket-com on GitHub$/).check();
    await dialog.getByRole('button', { name: 'Disconnect and uninstall' }).click();
    await page.getByText('Disconnected from tisket-com.').waitFor();
    expect(await connection(page).textContent()).toContain('The app was uninstalled on GitHub.');
    await connection(page).getByRole('button', { name: /Connect GitHub|Reconnect GitHub/ }).waitFor();
    const installations = [...h.hub.sandbox!.sim.store.installations.values()];
    expect(installations.filter((i) => h.hub.sandbox!.sim.store.account(i.accountId)?.login === 'tisket-com')).toEqual([]);
    await expectNoAxeViolations(page, 'after disconnect');

    await page.getByRole('button', { name: 'Ada Admin' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    const session = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
    expect(session).toEqual({ signedIn: false, productName: 'Tisket' });
    await context.close();
  }, 120_000);

  it('after Sign out, signing in again offers the sandbox users, so switching to Bob is one click', async () => {
    const page = await (await newVisitor(browser)).newPage();
    await signInAs(page, h.hub.url, 'Ada Admin');
    await page.getByRole('button', { name: 'Ada Admin' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    expect(page.url()).toBe(`${h.hub.url}/workspace/settings/repos`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /Bob Member/ }).click();
    await page.getByRole('button', { name: 'Bob Member' }).waitFor();
    expect(await page.getByRole('button', { name: 'Ada Admin' }).count()).toBe(0);
    await page.context().close();
  });

  it('Bob, a member, sees the connected state and no control that changes anything', async () => {
    const tisket = await connectTisket();
    try {
      const context = await newVisitor(browser);
      const page = await context.newPage();
      await signInAs(page, h.hub.url, 'Bob Member');
      await connection(page).getByText('Connected to tisket-com').waitFor();
      await page.getByRole('region', { name: /^Projects/ }).getByText(/No projects yet|not available/).waitFor();
      for (const name of ['Disconnect', 'Connect GitHub', 'Reconnect GitHub', 'Create project'])
        expect(await page.getByRole('button', { name }).count(), name).toBe(0);
      expect(await page.getByRole('link', { name: /Manage on GitHub/ }).count()).toBe(0);
      await expectNoAxeViolations(page, 'member view');

      await page.getByRole('link', { name: 'Agent keys' }).click();
      await page.getByRole('heading', { name: 'Agent keys', level: 1 }).waitFor();
      await page.getByRole('region', { name: 'Keys' }).getByText(/No active agent keys|not available|Never used|Last used/).first().waitFor();
      expect(await page.getByRole('button', { name: /Create key|Revoke/ }).count()).toBe(0);
      await page.getByRole('link', { name: 'GitHub App' }).click();
      await page.getByRole('region', { name: 'Your own GitHub App' }).getByText(/No app of your own|not available|Validated/).first().waitFor();
      expect(await page.getByRole('button', { name: /Validate|Replace|Remove/ }).count()).toBe(0);
      await expectNoAxeViolations(page, 'member GitHub App page');
      await context.close();
    } finally {
      await tisket.disconnect();
    }
  });

  it("Cyd, admin of another organization, sees nothing of Tisket's connection", async () => {
    const tisket = await connectTisket();
    try {
      const context = await newVisitor(browser);
      const page = await context.newPage();
      await signInAs(page, h.hub.url, 'Cyd');
      await connection(page).getByRole('button', { name: 'Connect GitHub' }).waitFor();
      const text = await page.textContent('body');
      expect(text).not.toContain('tisket-com');
      expect(text).not.toContain('org_01TISKET');
      await context.close();
    } finally {
      await tisket.disconnect();
    }
  });

  it('shows a suspension and an "All repositories" installation after they happen on the simulated GitHub', async () => {
    const tisket = await connectTisket('all');
    const sim = h.hub.sandbox!.sim;
    const installation = [...sim.store.installations.values()].find(
      (i) => sim.store.account(i.accountId)?.login === 'tisket-com',
    )!;
    try {
      const context = await newVisitor(browser);
      const page = await context.newPage();
      await signInAs(page, h.hub.url, 'Ada Admin');
      await connection(page).getByText(/^“All repositories” is selected for \w+ on GitHub\.$/).waitFor();
      expect(await connection(page).textContent()).toContain('choose Only select repositories and save');

      sim.world.suspend(installation, sim.store.requireAccount('ada'));
      await sim.webhooks.settle();
      await page.reload();
      await connection(page).getByText(/Suspended on GitHub since/).waitFor();
      expect(await connection(page).textContent()).toContain('until an owner of tisket-com unsuspends the app');
      await expectNoAxeViolations(page, 'suspended');
      await page.screenshot({ path: screenshotPath('suspended-all-repositories'), fullPage: true });
      sim.world.unsuspend(installation, sim.store.requireAccount('ada'));
      await sim.webhooks.settle();
      await context.close();
    } finally {
      await tisket.disconnect();
    }
  });

  it('works at 375 px wide: no sideways scrolling, the dialog fits, every control reachable by keyboard', async () => {
    const tisket = await connectTisket();
    try {
      const context = await newVisitor(browser, { width: 375 });
      const page = await context.newPage();
      await signInAs(page, h.hub.url, 'Ada Admin');
      await connection(page).getByText('Connected to tisket-com').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await page.screenshot({ path: screenshotPath('connected-375px'), fullPage: true });

      // From a fresh load, tab through the page until the Disconnect button has focus; open the dialog with Enter.
      await page.reload();
      await connection(page).getByText('Connected to tisket-com').waitFor();
      const focused: string[] = [];
      for (let i = 0; i < 30 && focused.at(-1) !== 'Disconnect'; i++) {
        await page.keyboard.press('Tab');
        focused.push((await page.evaluate(() => document.activeElement?.textContent?.trim())) ?? '');
      }
      expect(focused, focused.join(' → ')).toContain('Skip to content');
      expect(focused.at(-1)).toBe('Disconnect');
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const box = await dialog.boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(375);
      await expectNoAxeViolations(page, 'dialog at 375 px');
      await context.close();
    } finally {
      await tisket.disconnect();
    }
  });
});
