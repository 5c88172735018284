// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { accessWords, restoreWords } from '@hubgate/contract/vocabulary';
import { connectedWithRestore, connections, projectLists, reconnectResults } from '@hubgate/contract/fixtures';
import { afterwards, DisconnectDialog } from '../src/sections/DisconnectDialog.tsx';
import { GitHubConnection } from '../src/sections/GitHubConnection.tsx';
import { Projects } from '../src/sections/Projects.tsx';
import { renderSection, roles } from './render-section.tsx';

const badges = (region: HTMLElement) => [...region.querySelectorAll('.badge')].map((b) => b.textContent);

describe('the Projects section: each badge says what a token can do right now', () => {
  for (const role of roles) {
    it(`while the installation is suspended, shows no project as reachable and offers no creation (${role})`, async () => {
      renderSection(<Projects />, { role, answers: { 'GET /api/github/connection': connections.suspended, 'GET /api/projects': projectLists.reachable } });
      const region = await screen.findByRole('region', { name: /^Projects/ });
      await waitFor(() => expect(badges(region)).toEqual(['Suspended on GitHub', 'Suspended on GitHub']));
      expect(region.textContent).not.toContain(accessWords.reachable.label);
      const create = within(region).queryByRole('button', { name: 'Create project' });
      if (role === 'admin') {
        expect(create).not.toBeNull();
        expect((create as HTMLButtonElement).disabled).toBe(true);
        expect(region.textContent).toMatch(/projects can be created again once an owner unsuspends the app/);
      } else {
        expect(create).toBeNull();
        expect(region.textContent).toMatch(/Only organization admins can create projects/);
      }
    });

    it(`names every recorded access with the contract's words while connected (${role})`, async () => {
      renderSection(<Projects />, { role, answers: { 'GET /api/github/connection': connections.connected, 'GET /api/projects': projectLists.everyAccess } });
      const region = await screen.findByRole('region', { name: /^Projects \(5\)/ });
      await waitFor(() =>
        expect(badges(region)).toEqual(['reachable', 'missing', 'deleted', 'moved', 'unknown'].map((a) => accessWords[a as keyof typeof accessWords].label)),
      );
      expect(region.textContent).not.toContain('No access');
      const create = within(region).queryByRole('button', { name: 'Create project' });
      expect(create === null).toBe(role === 'member');
      if (create) expect((create as HTMLButtonElement).disabled).toBe(false);
    });

    it(`shows projects of a tenant that is not connected as not reachable (${role})`, async () => {
      renderSection(<Projects />, { role, answers: { 'GET /api/github/connection': connections.previouslyConnected, 'GET /api/projects': projectLists.reachable } });
      const region = await screen.findByRole('region', { name: /^Projects/ });
      await waitFor(() => expect(badges(region)).toEqual(['Not connected', 'Not connected']));
      expect(within(region).queryByRole('button', { name: 'Create project' })).toBeNull();
    });

    it(`says there are no projects yet, and only to an admin where to create one (${role})`, async () => {
      renderSection(<Projects />, { role, answers: { 'GET /api/github/connection': connections.connected, 'GET /api/projects': projectLists.empty } });
      const region = await screen.findByRole('region', { name: 'Projects (0)' });
      await waitFor(() => expect(region.textContent).toMatch(/No projects yet\./));
      expect(/Create the first one below/.test(region.textContent ?? '')).toBe(role === 'admin');
    });
  }
});

describe('the restore list after reconnecting', () => {
  it("uses the projects' words for a repository still to select (one vocabulary)", async () => {
    renderSection(<GitHubConnection />, {
      role: 'admin',
      answers: { 'GET /api/github/connection': connectedWithRestore('needsAction'), 'GET /api/projects': projectLists.empty },
    });
    const list = await screen.findByRole('list', { name: "Projects' repositories after reconnecting" });
    expect(badges(list)).toEqual([restoreWords.restored.label, accessWords.missing.label, accessWords.missing.label]);
  });

  it('leaves by itself once nothing in it needs action', async () => {
    renderSection(<GitHubConnection />, {
      role: 'admin',
      answers: { 'GET /api/github/connection': connectedWithRestore('allRestored'), 'GET /api/projects': projectLists.empty },
    });
    await screen.findByText(/Connected to/);
    expect(screen.queryByText("Restoring access to your projects' repositories")).toBeNull();
  });

  it('is seen once on the page GitHub sends the admin back to, even when everything was restored', async () => {
    renderSection(<GitHubConnection returned="reconnected" />, {
      role: 'admin',
      answers: {
        'GET /api/github/connection': connectedWithRestore('allRestored'),
        'GET /api/github/reconnect': reconnectResults.allRestored,
        'GET /api/projects': projectLists.empty,
      },
    });
    await screen.findByText('2 of 2 restored.');
    expect(screen.getByRole('button', { name: 'Dismiss' })).toBeDefined();
  });

  it('can be dismissed, and stays dismissed when the page loads again', async () => {
    const answers = { 'GET /api/github/connection': connectedWithRestore('needsAction'), 'GET /api/projects': projectLists.empty };
    const first = renderSection(<GitHubConnection />, { role: 'admin', answers });
    await screen.findByText("Restoring access to your projects' repositories");
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText("Restoring access to your projects' repositories")).toBeNull();
    first.unmount();
    renderSection(<GitHubConnection />, { role: 'admin', answers });
    await screen.findByText(/Connected to/);
    expect(screen.queryByText("Restoring access to your projects' repositories")).toBeNull();
  });

  it('shows its progress while it runs', async () => {
    renderSection(<GitHubConnection />, {
      role: 'admin',
      answers: { 'GET /api/github/connection': connectedWithRestore('running'), 'GET /api/github/reconnect': reconnectResults.running, 'GET /api/projects': projectLists.empty },
    });
    await screen.findByText('Checking 1 of 3…');
  });
});

describe('the disconnect dialog says what reconnecting will really do', () => {
  it('promises the same repositories only while the app stays installed', async () => {
    renderSection(<DisconnectDialog open account={{ login: 'tisket-com', type: 'Organization' }} repositorySelection="selected" onClose={() => {}} onDone={() => {}} />, {
      role: 'admin',
      answers: {},
    });
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('The app stays installed on tisket-com with the repositories selected for it');
    fireEvent.click(within(dialog).getByLabelText(/Also uninstall/));
    expect(dialog.textContent).not.toContain('reconnecting later restores access to the same repositories');
    expect(dialog.textContent).toContain('restores access only to the repositories you select then');
  });

  it('words an "All repositories" installation that is uninstalled as what a new installation will choose', () => {
    expect(afterwards('Tisket', 'tisket-com', true, 'all')).toMatch(/with “All repositories” restores access to every project repository/);
  });
});

describe('a page left open follows what GitHub changed', () => {
  it('asks again every few seconds while visible: a suspension shows without a reload', async () => {
    let current: object = connections.connected;
    renderSection(<GitHubConnection />, { role: 'admin', refreshMs: 30, answers: { 'GET /api/github/connection': () => current } });
    await screen.findByText(/Connected to/);
    expect(screen.queryByText(/Suspended on GitHub since/)).toBeNull();
    current = connections.suspended;
    await screen.findByText(/Suspended on GitHub since/, undefined, { timeout: 2000 });
  });

  it('asks again when the page gets the focus back', async () => {
    let current: object = connections.connected;
    const { calls } = renderSection(<GitHubConnection />, { role: 'admin', refreshMs: 60_000, answers: { 'GET /api/github/connection': () => current } });
    await screen.findByText(/Connected to/);
    current = connections.uninstalled;
    const before = calls.length;
    await act(async () => {
      window.dispatchEvent(new Event('focus'));
    });
    await screen.findByText(/app was uninstalled/);
    expect(calls.length).toBeGreaterThan(before);
  });
});
