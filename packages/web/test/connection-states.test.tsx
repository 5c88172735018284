// @vitest-environment happy-dom
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { type ConnectionFixture, connections } from '@hubgate/contract/fixtures';
import { GitHubConnection } from '../src/sections/GitHubConnection.tsx';
import { renderSection, type Role, roles } from './render-section.tsx';

/** What each connection state shows, and which controls it offers an admin (a member gets none of them). */
const expected: Record<ConnectionFixture, { text: RegExp; adminButtons: string[]; adminLinks?: string[]; memberText: RegExp }> = {
  disconnected: { text: /Connect your GitHub organization/, adminButtons: ['Connect GitHub'], memberText: /Only organization admins can connect GitHub/ },
  claimable: { text: /installed on GitHub and waits to be claimed/, adminButtons: ['Claim tisket-com', 'Connect GitHub'], memberText: /An admin can claim it/ },
  previouslyConnected: { text: /Previously connected to tisket-com/, adminButtons: ['Reconnect GitHub'], memberText: /Only organization admins can connect GitHub/ },
  previouslyConnectedStillInstalled: {
    text: /still installed on tisket-com/,
    adminButtons: ['Reconnect GitHub'],
    memberText: /Only organization admins can connect GitHub/,
  },
  uninstalled: { text: /app was uninstalled from tisket-com on GitHub/, adminButtons: ['Reconnect GitHub'], memberText: /Only organization admins can connect GitHub/ },
  connected: { text: /Connected to tisket-com/, adminButtons: ['Disconnect'], adminLinks: ['Manage on GitHub'], memberText: /Only select repositories/ },
  allRepositories: { text: /“All repositories” is selected for Tisket/, adminButtons: ['Disconnect'], adminLinks: ['Manage on GitHub'], memberText: /can see every repository/ },
  suspended: { text: /Suspended on GitHub since Mar 1, 2026/, adminButtons: ['Disconnect'], adminLinks: ['Manage on GitHub'], memberText: /until an owner of tisket-com unsuspends/ },
  pendingPermissions: {
    text: /New permissions are waiting for approval/,
    adminButtons: ['Disconnect'],
    adminLinks: ['Manage on GitHub', 'Review permissions on GitHub'],
    memberText: /must accept: issues \(write\)/,
  },
  missingPermissions: { text: /Missing: administration: write/, adminButtons: ['Disconnect'], adminLinks: ['Manage on GitHub'], memberText: /lacks permissions it needs/ },
};

const buttonNames = () => screen.queryAllByRole('button').map((b) => b.textContent?.trim());
const linkNames = () => screen.queryAllByRole('link').map((l) => l.textContent?.replace(' (opens in a new tab)', '').trim());

describe('the GitHub Connection section in every state the API answers', () => {
  for (const state of Object.keys(connections) as ConnectionFixture[]) {
    for (const role of roles) {
      it(`shows "${state}" to ${role === 'admin' ? 'an admin, with its controls' : 'a member, with no control that changes anything'}`, async () => {
        renderSection(<GitHubConnection />, { role, answers: { 'GET /api/github/connection': { ...connections[state], canManage: role === 'admin' } } });
        const section = await screen.findByRole('region', { name: 'GitHub Connection' });
        await waitFor(() => expect(section.textContent).toMatch(expected[state].text));
        if (role === ('admin' satisfies Role)) {
          expect(buttonNames().sort()).toEqual([...expected[state].adminButtons].sort());
          expect(linkNames().sort()).toEqual([...(expected[state].adminLinks ?? [])].sort());
        } else {
          expect(section.textContent).toMatch(expected[state].memberText);
          expect(buttonNames()).toEqual([]);
          expect(linkNames()).toEqual([]);
        }
      });
    }
  }

  it('after a plain Disconnect offers one call to action, and Reconnect claims the installation that is still there', async () => {
    const assign = vi.fn();
    vi.stubGlobal('location', { ...window.location, assign, search: '', pathname: '/workspace/settings/repos' });
    try {
      const { calls } = renderSection(<GitHubConnection />, {
        role: 'admin',
        answers: {
          'GET /api/github/connection': connections.previouslyConnectedStillInstalled,
          'POST /api/github/claim': { authorizeUrl: 'https://github.com/login/oauth/authorize?state=s' },
        },
      });
      const section = await screen.findByRole('region', { name: 'GitHub Connection' });
      await within(section).findByRole('button', { name: 'Reconnect GitHub' });
      expect(within(section).queryByRole('button', { name: /Claim/ })).toBeNull();
      within(section).getByRole('button', { name: 'Reconnect GitHub' }).click();
      await waitFor(() => expect(assign).toHaveBeenCalledWith('https://github.com/login/oauth/authorize?state=s'));
      expect(calls.filter((c) => c.method === 'POST')).toEqual([{ method: 'POST', path: '/api/github/claim', body: { installationId: 4242 } }]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
