import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  withBrowserAndService,
  expectNoAxeViolations,
  haveChromium,
  newVisitor,
  screenshotPath,
} from './browser-support.js';
import type { Harness } from './service-harness.js';

// The story, walked in one browser as the people in it would: Ada connects, creates projects,
// disconnects, reconnects and reads what was restored, makes and revokes an agent key, signs out; Bob, then Cyd,
// sign in with one click each; then an owner suspends and uninstalls the app on the simulated GitHub's own pages.

const connection = (page: Page) => page.getByRole('region', { name: 'GitHub Connection' });
const projectsRegion = (page: Page) => page.getByRole('region', { name: /^Projects/ });

/** Waits until the simulated GitHub's webhooks and what hubgate does with them are done. */
async function settle(h: Harness) {
  await h.hub.sandbox!.sim.webhooks.settle();
  await h.hub.receiver.settle();
  await h.hub.restore.settle();
}

/** The simulated GitHub's install page: sign in there if asked, pick tisket-com, "Only select repositories". */
async function installOnTisket(page: Page, repositories: string[] = []) {
  const signIn = page.getByRole('button', { name: 'Sign in as ada' });
  const account = page.getByRole('radio', { name: /^tisket-com/ });
  await signIn.or(account).first().waitFor();
  if (await signIn.isVisible()) await signIn.click();
  await account.check();
  await page.getByLabel('Only select repositories').check();
  for (const name of repositories) await page.getByRole('checkbox', { name: `tisket-com/${name}` }).check();
  await page.getByRole('button', { name: 'Install' }).click();
}

/** Ada, signed in: Connect GitHub through the install page, then create the projects; their repositories' names. */
async function connectAndCreate(page: Page, names: string[]): Promise<Record<string, string>> {
  await connection(page).getByRole('button', { name: 'Connect GitHub' }).click();
  await installOnTisket(page);
  await page.getByText('GitHub is connected.').waitFor({ timeout: 15_000 });
  const projects = projectsRegion(page);
  for (const name of names) {
    await projects.getByLabel('Project name').fill(name);
    await projects.getByRole('button', { name: 'Create project' }).click();
    await projects.getByText(`Created ${name}.`).waitFor({ timeout: 15_000 });
  }
  await page.getByRole('heading', { name: `Projects (${names.length})` }).waitFor();
  return page.evaluate(async () => {
    const { projects } = (await (await fetch('/api/projects')).json()) as { projects: { name: string; repository: { fullName: string } }[] };
    return Object.fromEntries(projects.map((p) => [p.name, p.repository.fullName.split('/')[1]!]));
  });
}

/** Disconnect in the dialog, uninstalling the app on GitHub as well; waits for "Previously connected". */
async function disconnectAndUninstall(h: Harness, page: Page) {
  await connection(page).getByRole('button', { name: 'Disconnect' }).click();
  const dialog = page.getByRole('dialog', { name: 'Disconnect GitHub from tisket-com?' });
  await dialog.getByLabel(/^Also uninstall the Tisket app from tisket-com on GitHub$/).check();
  await dialog.getByRole('button', { name: 'Disconnect and uninstall' }).click();
  await page.getByText('Disconnected from tisket-com.').waitFor();
  await settle(h);
  await page.reload();
  await connection(page).getByText(/^Previously connected to tisket-com/).waitFor();
}

/** The reconnect result's rows: project name → the badge it shows. */
async function restoreRows(page: Page) {
  const list = page.getByRole('list', { name: "Projects' repositories after reconnecting" });
  return Object.fromEntries(
    await list.getByRole('listitem').evaluateAll((items) =>
      items.map((li) => [li.querySelector('strong')!.textContent, li.querySelector('.badge')!.textContent]),
    ),
  );
}

async function signOut(page: Page, who: string) {
  await page.getByRole('button', { name: who }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
}

/** From the signed-out page: Sign in, then the one click on the provider's list of sandbox users. */
async function signInFromSignedOut(page: Page, who: RegExp) {
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: who }).click();
  await page.getByRole('heading', { name: 'Repositories', level: 1 }).waitFor();
}

describe.skipIf(!haveChromium)('the whole story in a real browser (GitHub as documented: app user tokens cannot add repositories)', () => {
  let h: Harness;
  let browser: Browser;
  withBrowserAndService((started) => ({ h, browser } = started));

  it('Ada connects, creates two projects, disconnects, reconnects and sees what was restored; Bob sees it all and changes nothing; Cyd sees nothing of it; suspending and uninstalling on GitHub show up', async () => {
    const page = await (await newVisitor(browser, { width: 1280 })).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${h.hub.url}/workspace/settings/repos`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /Ada Admin/ }).click();

    const repos = await connectAndCreate(page, ['Roadmap', 'Support guide']);
    expect(Object.keys(repos).sort()).toEqual(['Roadmap', 'Support guide']);
    await expectNoAxeViolations(page, 'two projects');
    await page.screenshot({ path: screenshotPath('projects'), fullPage: true });

    await disconnectAndUninstall(h, page);
    await projectsRegion(page).getByText('GitHub is not connected: these repositories cannot be reached until it is.').waitFor();
    await expectNoAxeViolations(page, 'previously connected');
    await page.screenshot({ path: screenshotPath('previously-connected'), fullPage: true });

    // Reconnect, selecting only Roadmap's repository on the install page.
    await connection(page).getByRole('button', { name: 'Reconnect GitHub' }).click();
    await installOnTisket(page, [repos.Roadmap!]);
    await page.getByText('GitHub is connected again.').waitFor({ timeout: 15_000 });
    await connection(page).getByText('1 of 2 restored; 1 still to select on GitHub.').waitFor({ timeout: 15_000 });
    expect(await restoreRows(page)).toEqual({ Roadmap: 'Restored', 'Support guide': 'Not selected on GitHub' });
    const select = connection(page).getByRole('link', { name: /^Select it on GitHub/ });
    expect(await select.count()).toBe(1);
    const selectUrl = (await select.getAttribute('href'))!;
    expect(selectUrl).toBe(await connection(page).getByRole('link', { name: /Manage on GitHub/ }).getAttribute('href'));
    expect(selectUrl).toMatch(/\/organizations\/tisket-com\/settings\/installations\/\d+$/);
    await expectNoAxeViolations(page, 'reconnect results');
    await page.screenshot({ path: screenshotPath('reconnect-results'), fullPage: true });

    // The link leads to the installation's settings on GitHub, where Ada selects the missing repository.
    await page.goto(selectUrl);
    await page.getByRole('checkbox', { name: `tisket-com/${repos['Support guide']}` }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    // GitHub says Saved, or (the app asks for its setup URL on updates) sends the browser back to the settings.
    await page.getByRole('heading', { name: 'Saved' }).or(page.getByRole('heading', { name: 'Repositories', level: 1 })).waitFor();
    await settle(h);
    await page.goto(`${h.hub.url}/workspace/settings/repos`);
    const supportRow = projectsRegion(page).getByRole('listitem').filter({ hasText: 'Support guide' });
    expect(await supportRow.locator('.badge').textContent()).toBe('Reachable');
    // Nothing in the restore result needs action any more: the box has left by itself, and the list says reachable.
    await connection(page).getByText('Connected to tisket-com').waitFor();
    expect(await connection(page).getByRole('heading', { name: "Restoring access to your projects' repositories" }).count()).toBe(0);
    expect(await connection(page).getByRole('link', { name: /^Select it on GitHub/ }).count()).toBe(0);

    // An agent key, created (shown once) and revoked after confirming.
    await page.getByRole('link', { name: 'Agent keys' }).click();
    const keys = page.getByRole('region', { name: 'Keys' });
    await keys.getByLabel('Key name').fill('release-bot');
    await keys.getByRole('button', { name: 'Create key' }).click();
    expect(await keys.getByLabel('Agent key release-bot').inputValue()).toMatch(/^hgk_/);
    await keys.getByRole('button', { name: 'I have stored it' }).click();
    await keys.getByRole('button', { name: 'Revoke release-bot' }).click();
    await page.getByRole('dialog', { name: 'Revoke the key “release-bot”?' }).getByRole('button', { name: 'Revoke key' }).click();
    await keys.getByText('Revoked the key “release-bot”.').waitFor();
    await expectNoAxeViolations(page, 'agent key revoked');

    await signOut(page, 'Ada Admin');

    // Bob, a member: one click to sign in, every state, no control that changes anything.
    await signInFromSignedOut(page, /Bob Member/);
    await connection(page).getByText('Connected to tisket-com').waitFor();
    await page.getByRole('heading', { name: 'Projects (2)' }).waitFor();
    await projectsRegion(page).getByText('Reachable').first().waitFor();
    for (const name of ['Disconnect', 'Connect GitHub', 'Reconnect GitHub', 'Create project'])
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    expect(await page.getByRole('link', { name: /Manage on GitHub/ }).count()).toBe(0);
    expect(await page.getByRole('textbox').count()).toBe(0);
    await expectNoAxeViolations(page, 'member, after reconnecting');
    await page.screenshot({ path: screenshotPath('member-after-reconnect'), fullPage: true });
    await page.getByRole('link', { name: 'Agent keys' }).click();
    await page.getByRole('region', { name: 'Keys' }).getByText('Revoked keys (1)').waitFor();
    expect(await page.getByRole('button', { name: /Create key|Revoke/ }).count()).toBe(0);
    await expectNoAxeViolations(page, 'member agent keys');
    await signOut(page, 'Bob Member');

    // Cyd, admin of another organization: nothing of Tisket's.
    await signInFromSignedOut(page, /Cyd Admin/);
    await connection(page).getByRole('button', { name: 'Connect GitHub' }).waitFor();
    await projectsRegion(page).getByText('Connect GitHub to create projects').waitFor();
    const text = (await page.textContent('body'))!;
    for (const theirs of ['tisket-com', 'org_01TISKET', 'Roadmap', 'Support guide']) expect(text).not.toContain(theirs);
    expect(await page.getByRole('listitem').count()).toBe(0);
    await expectNoAxeViolations(page, 'another organization');
    await signOut(page, 'Cyd Admin');

    // On GitHub, an owner suspends the installation: Ada sees it suspended.
    await signInFromSignedOut(page, /Ada Admin/);
    const manageUrl = (await connection(page).getByRole('link', { name: /Manage on GitHub/ }).getAttribute('href'))!;
    await page.goto(manageUrl);
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByText('This installation is suspended.').waitFor();
    await settle(h);
    await page.goto(`${h.hub.url}/workspace/settings/repos`);
    await connection(page).getByText(/^Suspended on GitHub since/).waitFor();
    expect(await connection(page).textContent()).toContain('until an owner of tisket-com unsuspends the app');
    // No project claims to be reachable while no token can be issued, and nothing offers to create one.
    expect(await projectsRegion(page).locator('.badge').allTextContents()).toEqual(['Suspended on GitHub', 'Suspended on GitHub']);
    expect(await projectsRegion(page).getByRole('button', { name: 'Create project' }).isDisabled()).toBe(true);
    await expectNoAxeViolations(page, 'suspended');
    await page.screenshot({ path: screenshotPath('suspended'), fullPage: true });

    // Then uninstalls the app there: Ada sees it uninstalled, her projects kept, and Reconnect GitHub.
    await page.goto(manageUrl);
    await page.getByRole('button', { name: 'Uninstall' }).click();
    await page.getByRole('heading', { name: 'Uninstalled' }).waitFor();
    await settle(h);
    await page.goto(`${h.hub.url}/workspace/settings/repos`);
    await connection(page).getByText('The Tisket app was uninstalled from tisket-com on GitHub.').waitFor();
    await connection(page).getByRole('button', { name: 'Reconnect GitHub' }).waitFor();
    await page.getByRole('heading', { name: 'Projects (2)' }).waitFor();
    await expectNoAxeViolations(page, 'uninstalled on GitHub');
    await page.screenshot({ path: screenshotPath('uninstalled'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.context().close();
  }, 240_000);
});

describe.skipIf(!haveChromium)('reconnecting in a real browser where GitHub lets app user tokens add repositories', () => {
  let h: Harness;
  let browser: Browser;
  withBrowserAndService((started) => ({ h, browser } = started), { sim: { behaviour: { allowUserTokensForInstallationRepos: true } } });

  it('restores the repositories Ada did not select again, and shows one deleted on GitHub meanwhile as deleted', async () => {
    const sim = h.hub.sandbox!.sim;
    const page = await (await newVisitor(browser, { width: 1280 })).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${h.hub.url}/auth/login?return_to=/workspace/settings/repos`);
    await page.getByRole('button', { name: /Ada Admin/ }).click();
    const repos = await connectAndCreate(page, ['Roadmap', 'Release notes']);
    await disconnectAndUninstall(h, page);

    // Meanwhile an owner deletes one repository on GitHub.
    const pat = sim.world.addPersonalAccessToken(sim.store.requireUser('ada'), ['repo', 'delete_repo']);
    const deleted = await fetch(`${sim.apiUrl}/repos/tisket-com/${repos['Release notes']}`, {
      method: 'DELETE',
      headers: { authorization: `token ${pat}` },
    });
    expect(deleted.status).toBe(204);

    await connection(page).getByRole('button', { name: 'Reconnect GitHub' }).click();
    await installOnTisket(page);
    await page.getByText('GitHub is connected again.').waitFor({ timeout: 15_000 });
    await connection(page).getByText('1 of 2 restored.').waitFor({ timeout: 15_000 });
    expect(await restoreRows(page)).toEqual({ Roadmap: 'Restored', 'Release notes': 'Deleted on GitHub' });
    expect(await connection(page).getByRole('link', { name: /^Select it on GitHub/ }).count()).toBe(0);
    const releaseRow = projectsRegion(page).getByRole('listitem').filter({ hasText: 'Release notes' });
    await releaseRow.getByText('Deleted on GitHub').waitFor();
    await expectNoAxeViolations(page, 'reconnect results with a deleted repository');
    await page.screenshot({ path: screenshotPath('reconnect-deleted'), fullPage: true });

    // At 375 px the lists wrap: no sideways scrolling.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: screenshotPath('reconnect-deleted-375px'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.context().close();
  }, 180_000);
});
