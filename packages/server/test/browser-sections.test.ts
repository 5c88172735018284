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

// The projects, agent keys and tenant app sections. Each test first asks the server whether its endpoint
// exists: where it does not (yet), the section must say so quietly instead of breaking the page.

describe.skipIf(!haveChromium)('the settings sections in a real browser', () => {
  let h: Harness;
  let browser: Browser;
  withBrowserAndService((started) => ({ h, browser } = started));

  async function endpointExists(path: string) {
    const ada = await h.signIn('user_ada');
    return (await h.api(ada, 'GET', path)).status !== 404;
  }

  async function connectTisket() {
    const ada = await h.signIn('user_ada');
    const done = await h.connect(ada, 'ada', 'tisket-com', 'selected');
    expect(done.finalUrl).toContain('connected=1');
    return { disconnect: () => h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true }) };
  }

  async function adaOn(path: string): Promise<Page> {
    const page = await (await newVisitor(browser)).newPage();
    await signInAs(page, h.hub.url, 'Ada Admin', path);
    return page;
  }

  it('a section whose endpoint the server lacks says so quietly and the page stays usable', async (ctx) => {
    const missing = [];
    for (const [path, page, note] of [
      ['/api/projects', '/workspace/settings/repos', 'Projects are not available on this server yet.'],
      ['/api/agent-keys', '/workspace/settings/agent-keys', 'Agent keys are not available on this server yet.'],
      ['/api/github/app', '/workspace/settings/github-app', 'Registering your own GitHub App is not available on this server yet.'],
    ] as const)
      if (!(await endpointExists(path))) missing.push({ page, note });
    if (missing.length === 0) ctx.skip();
    for (const { page: path, note } of missing) {
      const page = await adaOn(path);
      await page.getByText(note).waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);
      await expectNoAxeViolations(page, `missing endpoint on ${path}`);
      await page.context().close();
    }
  });

  it('Ada creates two projects, with the name checked first, and sees them with their repositories; Bob sees them without the form', async (ctx) => {
    if (!(await endpointExists('/api/projects'))) ctx.skip();
    const tisket = await connectTisket();
    try {
      const page = await adaOn('/workspace/settings/repos');
      const projects = page.getByRole('region', { name: /^Projects/ });
      await projects.getByText('No projects yet.').waitFor();
      await expectNoAxeViolations(page, 'no projects yet');

      await projects.getByRole('button', { name: 'Create project' }).click();
      const name = projects.getByLabel('Project name');
      await projects.getByText('Enter a name for the project.').waitFor();
      expect(await name.getAttribute('aria-invalid')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-describedby'))).toBeTruthy();

      for (const project of ['Roadmap', 'Support guide']) {
        await name.fill(project);
        await projects.getByRole('button', { name: 'Create project' }).click();
        await projects.getByText(`Created ${project}.`).waitFor({ timeout: 15_000 });
      }
      await page.getByRole('heading', { name: 'Projects (2)' }).waitFor();

      // A refusal appears under the field that caused it, and the list is unchanged.
      await name.fill('Roadmap');
      await projects.getByRole('button', { name: 'Create project' }).click();
      const refusal = projects.getByRole('alert');
      await refusal.waitFor({ timeout: 15_000 });
      expect(await name.getAttribute('aria-describedby')).toBe(await refusal.getAttribute('id'));
      expect(await page.getByRole('heading', { name: 'Projects (2)' }).count()).toBe(1);
      const links = await projects.getByRole('list', { name: 'Projects' }).getByRole('link').evaluateAll((as) =>
        as.map((a) => (a as HTMLAnchorElement).href),
      );
      expect(links).toHaveLength(2);
      for (const href of links) expect(href).toMatch(/\/tisket-com\/[\w.-]+$/);
      await expectNoAxeViolations(page, 'two projects');
      await page.screenshot({ path: screenshotPath('project-name-taken'), fullPage: true });
      await page.context().close();

      const bob = await (await newVisitor(browser)).newPage();
      await signInAs(bob, h.hub.url, 'Bob Member');
      await bob.getByRole('heading', { name: 'Projects (2)' }).waitFor();
      expect(await bob.getByRole('button', { name: 'Create project' }).count()).toBe(0);
      await bob.context().close();
    } finally {
      await tisket.disconnect();
    }
  });

  it('Ada creates an agent key shown once with a copy button, then revokes it after confirming', async (ctx) => {
    if (!(await endpointExists('/api/agent-keys'))) ctx.skip();
    const page = await adaOn('/workspace/settings/agent-keys');
    const section = page.getByRole('region', { name: 'Keys' });
    await section.getByRole('button', { name: 'Create key' }).click();
    await section.getByText('Enter a name that says where the key is used.').waitFor();

    await section.getByLabel('Key name').fill('ci-runner');
    await section.getByLabel('Contents').selectOption('read');
    await section.getByLabel('Each token usable for').selectOption('900');
    await section.getByRole('button', { name: 'Create key' }).click();
    const key = section.getByLabel('Agent key ci-runner');
    await key.waitFor();
    expect(await key.inputValue()).toMatch(/^hgk_/);
    // Shown in a monospace font (the form font of .input must not win), with how to use it.
    expect(await key.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/monospace/);
    expect(await section.getByLabel('An MCP client (stdio)').textContent()).toContain('npx hubgate mcp');
    await expectNoAxeViolations(page, 'agent key created');
    await page.screenshot({ path: screenshotPath('agent-key-created'), fullPage: true });
    await section.getByRole('button', { name: 'I have stored it' }).click();
    expect(await section.getByLabel('Agent key ci-runner').count()).toBe(0);
    // The key's row says what it may do.
    const grant = section.getByRole('definition').filter({ hasText: 'Contents: read' });
    await grant.first().waitFor();
    await section.getByText('at most 15 minutes').first().waitFor();

    // The kill switch asks first, then says how many tokens it revoked.
    await section.getByRole('button', { name: 'Revoke all agent tokens' }).click();
    const kill = page.getByRole('dialog', { name: 'Revoke every agent token?' });
    await kill.waitFor();
    await expectNoAxeViolations(page, 'kill switch dialog');
    await kill.getByRole('button', { name: 'Revoke all tokens' }).click();
    await section.getByText(/^Revoked \d+ agent tokens?\.$/).waitFor();

    await section.getByRole('button', { name: 'Revoke ci-runner' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the key “ci-runner”?' });
    await dialog.waitFor();
    await expectNoAxeViolations(page, 'revoke dialog');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await section.getByText('Revoked the key “ci-runner”.').waitFor();
    // The list is reloaded after the notice: the key's Revoke button goes once the reload lands.
    await section.getByRole('button', { name: 'Revoke ci-runner' }).waitFor({ state: 'detached', timeout: 5000 });
    expect(await section.getByRole('button', { name: 'Revoke ci-runner' }).count()).toBe(0);
    await page.context().close();
  });

  it('Ada adds a trust policy for GitHub Actions, is told when it would trust too much, and deletes it; Bob sees it without the form', async () => {
    const page = await adaOn('/workspace/settings/agent-keys');
    const section = page.getByRole('region', { name: 'Workload identity' });
    expect(await section.getByLabel('Audience for your ID tokens').inputValue()).toBe(`${h.hub.url}/tenants/org_01TISKET`);
    await section.getByRole('button', { name: 'Add policy' }).click();
    await section.getByText('Enter a name that says which workloads it trusts.').waitFor();
    await section.getByLabel('Policy name').fill('deploys from main');
    await section.getByRole('button', { name: 'GitHub Actions' }).click();
    // The preset's placeholder owner is no owner at all: with a wildcard subject the server refuses and says why.
    await section.getByLabel(/^Subject/).fill('repo:*');
    await section.getByRole('button', { name: 'Add policy' }).click();
    await section.getByText(/a GitHub Actions policy must name the repository owner exactly/).waitFor();
    await section.getByLabel(/^Subject/).fill('repo:tisket-com/app:ref:refs/heads/main');
    await section.getByLabel(/^Other claims/).fill('job_workflow_ref=tisket-com/app/.github/workflows/*@refs/heads/main');
    await section.getByRole('button', { name: 'Add policy' }).click();
    const row = section.getByRole('listitem').filter({ hasText: 'deploys from main' });
    await row.waitFor();
    await row.getByText('https://token.actions.githubusercontent.com').waitFor();
    await row.getByText('tisket-com/app/.github/workflows/*@refs/heads/main').waitFor();
    await expectNoAxeViolations(page, 'trust policy added');

    const bob = await (await newVisitor(browser)).newPage();
    await signInAs(bob, h.hub.url, 'Bob Member', '/workspace/settings/agent-keys');
    const seen = bob.getByRole('region', { name: 'Workload identity' });
    await seen.getByText('deploys from main').waitFor();
    expect(await seen.getByRole('button', { name: 'Add policy' }).count()).toBe(0);
    expect(await seen.getByRole('button', { name: 'Delete deploys from main' }).count()).toBe(0);
    await bob.context().close();

    await row.getByRole('button', { name: 'Delete deploys from main' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the policy “deploys from main”?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete policy' }).click();
    await section.getByText('Deleted the policy “deploys from main”.').waitFor();
    await page.context().close();
  });

  it('the tenant GitHub App form names each problem next to its field before sending anything', async (ctx) => {
    if (!(await endpointExists('/api/github/app'))) ctx.skip();
    const page = await adaOn('/workspace/settings/github-app');
    const section = page.getByRole('region', { name: 'Your own GitHub App' });
    const submit = section.getByRole('button', { name: /^Validate and (register|replace)$/ });
    if ((await submit.count()) === 0) ctx.skip(); // an app is registered already
    const requests: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT') requests.push(r.url());
    });
    await submit.click();
    await section.getByText('Enter the API URL, e.g. https://github.example.com/api/v3.').waitFor();
    await section.getByText('Paste the whole .pem file, from -----BEGIN to -----END.').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toMatch(/apiUrl$/);
    expect(requests).toEqual([]);
    await expectNoAxeViolations(page, 'tenant app form with problems');
    await page.context().close();
  });
});
