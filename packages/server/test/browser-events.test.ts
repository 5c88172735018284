import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations, haveChromium, newVisitor, screenshotPath, signInAs, withBrowserAndService } from './browser-support.js';
import { pushCommits, startEndpoint } from './events-fixtures.js';
import type { Harness } from './service-harness.js';

const tisket = 'org_01TISKET';
// The tenant's endpoint: on loopback, which this harness allows as a private host.
const endpoint = await startEndpoint();
afterAll(() => endpoint.close());

describe.skipIf(!haveChromium)('the Events tab in a real browser (docs/events.md)', () => {
  let h: Harness;
  let browser: Browser;
  withBrowserAndService((started) => ({ h, browser } = started), { env: { HUBGATE_ALLOWED_PRIVATE_HOSTS: endpoint.host } });

  async function visitor(name: 'Ada Admin' | 'Bob Member'): Promise<Page> {
    const page = await (await newVisitor(browser)).newPage();
    await signInAs(page, h.hub.url, name, '/workspace/settings/events');
    return page;
  }

  it('Ada sets the endpoint and copies its secret once, a push shows as delivered; Bob reads it all without the controls', async () => {
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com');
    const page = await visitor('Ada Admin');
    const form = page.getByRole('form', { name: 'Event endpoint' });
    await form.getByLabel('Endpoint URL').fill(endpoint.url);
    await form.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByText('Endpoint saved. Copy its signing secret now: it is not shown again.').waitFor();
    expect(await page.getByLabel('Signing secret').inputValue()).toMatch(/^whsec_/);
    await expectNoAxeViolations(page, 'event endpoint saved');

    const created = await h.api(ada, 'POST', '/api/projects', { name: 'Browser events' });
    expect(created.status).toBe(201);
    const token = await h.hub.projects.tokenFor(tisket, created.body.id, { contents: 'write' });
    await pushCommits(token.remoteUrl, token.token, ['seen in the browser']);
    await h.hub.sandbox!.sim.webhooks.settle();
    await h.hub.receiver.settle();
    // The page refreshes on focus and every 10 s; a reload shows it at once.
    await page.reload();
    const recent = page.getByRole('list', { name: 'Recent deliveries' });
    await recent.getByText('Delivered').first().waitFor({ timeout: 20_000 });
    await recent.getByText('Browser events').first().waitFor();
    expect(await page.getByLabel('Signing secret').count()).toBe(0);
    await expectNoAxeViolations(page, 'event delivered');
    await page.screenshot({ path: screenshotPath('events-delivered'), fullPage: true });
    await page.context().close();

    const bob = await visitor('Bob Member');
    await bob.getByText('Only organization admins can change the endpoint or redeliver events.').waitFor();
    expect(await bob.getByLabel('Endpoint URL').inputValue()).toBe(endpoint.url);
    expect(await bob.getByRole('button', { name: /Save|Rotate secret/ }).count()).toBe(0);
    await bob.getByRole('list', { name: 'Recent deliveries' }).getByText('Delivered').first().waitFor();
    await bob.context().close();
  });
});
