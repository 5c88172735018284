import { describe, expect, it } from 'vitest';
import type { GitHubSim } from '../src/index.js';
import { api, type BasicWorld, useBasicWorld } from './helpers.js';

describe('the contents API for directories, and its links', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  useBasicWorld((s, world) => {
    sim = s;
    w = world;
  });

  const put = (token: string, path: string, text: string) =>
    api(sim, 'PUT', `/repos/octo-org/made-by-app/contents/${path}`, {
      token,
      body: { message: `add ${path}`, content: Buffer.from(text).toString('base64') },
    });

  it('lists the root and a directory (files and dirs, with sizes), and 404s a missing path', async () => {
    const token = await w.mint();
    await put(token, 'docs/guide.md', '# Guide\n');
    await put(token, 'docs/deep/note.md', 'n');
    const root = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/', { token });
    expect(root.status).toBe(200);
    expect(root.body.map((e: { name: string; type: string }) => `${e.type}:${e.name}`)).toEqual([
      'file:README.md',
      'dir:docs',
    ]);
    const rootNoSlash = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents', { token });
    expect(rootNoSlash.body).toHaveLength(2);
    const docs = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/docs', { token });
    expect(docs.body).toEqual([
      expect.objectContaining({ type: 'dir', name: 'deep', path: 'docs/deep', download_url: null }),
      expect.objectContaining({ type: 'file', name: 'guide.md', path: 'docs/guide.md', size: 8 }),
    ]);
    expect((await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/nope', { token })).status).toBe(404);
  });

  it("serves download_url (a private repository's needs its token) and the html_url page to a member", async () => {
    const token = await w.mint();
    await put(token, 'docs/guide.md', '# Guide\n');
    const file = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/docs/guide.md', { token });
    const download = new URL(file.body.download_url);
    expect(download.searchParams.get('token')).toBeTruthy();
    const raw = await fetch(download);
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe('# Guide\n');
    download.searchParams.delete('token');
    expect((await fetch(download)).status).toBe(404);
    const withHeader = await fetch(download, { headers: { authorization: `token ${token}` } });
    expect(await withHeader.text()).toBe('# Guide\n');
    sim.clock.advance(11 * 60_000);
    expect((await fetch(file.body.download_url)).status).toBe(404);
    sim.clock.setOffsetMs(0);

    const html = await fetch(file.body.html_url, { headers: { cookie: sim.sessionCookieFor('octo-member') } });
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('# Guide');
    expect((await fetch(file.body.html_url)).status).toBe(404);
    const dir = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/', { token });
    const docsPage = await fetch(dir.body[1].html_url, { headers: { cookie: sim.sessionCookieFor('octo-admin') } });
    expect(await docsPage.text()).toContain('guide.md');
  });
});
