// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { agentKeyLists, projectLists, tenantApps, trustPolicyLists } from '@hubgate/contract/fixtures';
import { AgentKeys } from '../src/sections/AgentKeys.tsx';
import { GitHubApp } from '../src/sections/GitHubApp.tsx';
import { TrustPolicies } from '../src/sections/TrustPolicies.tsx';
import { renderSection, roles } from './render-section.tsx';

const buttons = (region: HTMLElement) => within(region).queryAllByRole('button').map((b) => b.textContent?.trim());

describe('the GitHub App tab', () => {
  for (const role of roles) {
    it(`with no app of the tenant's own: ${role === 'admin' ? 'one-click registration and the URLs to copy' : 'read only, and says who can change it'}`, async () => {
      renderSection(<GitHubApp />, { role, answers: { 'GET /api/github/app': tenantApps.none } });
      const region = await screen.findByRole('region', { name: 'Your own GitHub App' });
      await within(region).findByText('No app of your own: the shared app is used.');
      expect(region.textContent).toContain('and Tisket uses it instead of the shared one');
      expect(region.textContent).not.toMatch(/hubgate uses it/);
      if (role === 'admin') {
        expect(within(region).getByRole('button', { name: 'Register on your host' })).toBeDefined();
        const urls: [string, string][] = [
          ['Callback URL', tenantApps.none.setup.callbackUrl],
          ['Setup URL (tick “Redirect on update”)', tenantApps.none.setup.setupUrl],
          ['Webhook URL', tenantApps.none.setup.webhookUrl],
        ];
        for (const [label, value] of urls)
          expect((within(region).getByLabelText(label) as HTMLInputElement).value).toBe(value);
      } else {
        expect(buttons(region)).toEqual([]);
        expect(region.textContent).toMatch(/Only organization admins can register, replace or remove the app/);
      }
    });

    it(`with a validated app: its details, and ${role === 'admin' ? 'Replace and Remove' : 'nothing to change'}`, async () => {
      renderSection(<GitHubApp />, { role, answers: { 'GET /api/github/app': tenantApps.validated } });
      const region = await screen.findByRole('region', { name: 'Your own GitHub App' });
      await within(region).findByText('SHA256:abc');
      expect(buttons(region)).toEqual(role === 'admin' ? ['Replace the key', 'Remove the app'] : []);
      expect(within(region).queryByRole('button', { name: 'Register on your host' })).toBeNull();
    });
  }

  it('posts the manifest from the server to the host, with its state, and names a bad host address first', async () => {
    const started = { postUrl: 'https://ghes.example.com/settings/apps/new', manifest: { name: 'hubgate Tisket' }, state: 'st4te' };
    const { calls } = renderSection(<GitHubApp />, {
      role: 'admin',
      answers: { 'GET /api/github/app': tenantApps.none, 'POST /api/github/app/manifest': started },
    });
    const form = await screen.findByRole('form', { name: 'Register in one click' });
    fireEvent.click(within(form).getByRole('button', { name: 'Register on your host' }));
    expect(within(form).getByRole('alert').textContent).toBe('Enter your host’s address, e.g. https://github.example.com.');
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
    const posted: HTMLFormElement[] = [];
    HTMLFormElement.prototype.submit = function submit(this: HTMLFormElement) {
      posted.push(this);
    };
    fireEvent.change(within(form).getByLabelText('Your GitHub Enterprise Server'), { target: { value: 'https://ghes.example.com' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Register on your host' }));
    await waitFor(() => expect(posted).toHaveLength(1));
    const sent = posted[0]!;
    expect(sent.action).toBe('https://ghes.example.com/settings/apps/new?state=st4te');
    expect(sent.method).toBe('post');
    expect(JSON.parse((sent.elements.namedItem('manifest') as HTMLInputElement).value)).toEqual(started.manifest);
    expect(calls.filter((c) => c.method === 'POST')).toEqual([{ method: 'POST', path: '/api/github/app/manifest', body: { webUrl: 'https://ghes.example.com' } }]);
  });
});

describe('the Agent keys tab', () => {
  for (const role of roles) {
    it(`lists each key with its grant, for ${role === 'admin' ? 'an admin, with Revoke' : 'a member, who is told only admins change keys'}`, async () => {
      renderSection(<AgentKeys />, { role, answers: { 'GET /api/agent-keys': agentKeyLists.some, 'GET /api/projects': projectLists.reachable } });
      const region = await screen.findByRole('region', { name: 'Keys' });
      await within(region).findByText('ci-runner');
      const grants = within(region).getAllByRole('definition').map((d) => d.textContent);
      expect(grants).toEqual(expect.arrayContaining(['All teams', 'Contents: read, Issues: read and write', 'at most 15 minutes']));
      expect(within(region).queryByRole('button', { name: /Revoke ci-runner/ }) === null).toBe(role === 'member');
      expect(/Only organization admins can create or revoke keys/.test(region.textContent ?? '')).toBe(role === 'member');
    });

    it(`says there are no keys yet (${role})`, async () => {
      renderSection(<AgentKeys />, { role, answers: { 'GET /api/agent-keys': agentKeyLists.empty, 'GET /api/projects': projectLists.empty } });
      const region = await screen.findByRole('region', { name: 'Keys' });
      await within(region).findByText('No active agent keys.');
      expect(within(region).queryByRole('button', { name: 'Create key' }) === null).toBe(role === 'member');
    });
  }

  it('shows a new key once, in a monospace field, with how to use it from curl, git and an MCP client', async () => {
    const created = { ...agentKeyLists.some.keys[0]!, key: 'hgk_live_ab12_secretpart' };
    renderSection(<AgentKeys />, {
      role: 'admin',
      answers: { 'GET /api/agent-keys': agentKeyLists.empty, 'GET /api/projects': projectLists.reachable, 'POST /api/agent-keys': created },
    });
    const form = await screen.findByRole('form', { name: 'Create an agent key' });
    fireEvent.change(within(form).getByLabelText('Key name'), { target: { value: 'ci-runner' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create key' }));
    const field = (await screen.findByLabelText('Agent key ci-runner')) as HTMLInputElement;
    expect(field.value).toBe('hgk_live_ab12_secretpart');
    expect(field.classList.contains('mono')).toBe(true);
    const snippets = screen.getAllByText((_, el) => el?.tagName === 'PRE').map((el) => el.getAttribute('aria-label'));
    expect(snippets).toEqual(['A token for one repository (curl)', 'git, through the credential helper', 'An MCP client (stdio)']);
    expect(screen.getByLabelText('An MCP client (stdio)').textContent).toMatch(/HUBGATE_AGENT_KEY=<the key> npx hubgate mcp$/);
    // the page's title and the section's are not the same words twice
    expect(screen.queryByRole('heading', { name: 'Agent keys', level: 2 })).toBeNull();
  });
});

describe('the Workload identity section', () => {
  for (const role of roles) {
    it(`shows the tenant's audience and its policies to ${role === 'admin' ? 'an admin, who can add one' : 'a member, read only'}`, async () => {
      renderSection(<TrustPolicies />, { role, answers: { 'GET /api/trust-policies': trustPolicyLists.empty, 'GET /api/projects': projectLists.empty } });
      const region = await screen.findByRole('region', { name: 'Workload identity' });
      await within(region).findByText('No trust policies.');
      expect((within(region).getByLabelText('Audience for your ID tokens') as HTMLInputElement).value).toBe(trustPolicyLists.empty.audience);
      expect(within(region).queryByRole('form') === null).toBe(role === 'member');
      expect(/Only organization admins can create or delete trust policies/.test(region.textContent ?? '')).toBe(role === 'member');
    });
  }
});
