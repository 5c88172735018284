import { Octokit } from '@octokit/core';
import { describe, expect, it } from 'vitest';
import type { GitHubSim } from '../src/index.js';
import { api, type BasicWorld, useBasicWorld } from './helpers.js';
import { problemsWith, spec } from './openapi-schemas.js';

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

  it("answers a file's bytes to the raw media type, in every spelling, and Octokit's format 'raw' reads them", async () => {
    const token = await w.mint();
    await put(token, 'docs/guide.md', '# Guide\n');
    for (const accept of [
      'application/vnd.github.raw',
      'application/vnd.github.raw+json',
      'application/vnd.github.v3.raw',
      'application/vnd.github.v3.raw+json',
    ]) {
      const raw = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/docs/guide.md', {
        token,
        headers: { accept },
      });
      expect(raw.status).toBe(200);
      expect(raw.body).toBe('# Guide\n');
      expect(raw.headers.get('content-type')).toMatch(/^application\/vnd\.github\.raw/);
      expect(raw.headers.get('x-github-media-type')).toContain('param=raw');
    }
    const octokit = new Octokit({ baseUrl: sim.apiUrl, auth: token });
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner: 'octo-org',
      repo: 'made-by-app',
      path: 'docs/guide.md',
      mediaType: { format: 'raw' },
    });
    expect(data).toBe('# Guide\n');
    // raw applies to files: a directory is still listed
    const dir = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/docs', {
      token,
      headers: { accept: 'application/vnd.github.raw+json' },
    });
    expect(dir.body).toEqual([expect.objectContaining({ name: 'guide.md' })]);
  });

  it('answers a directory as one object with its entries to the object media type, a file as usual', async () => {
    const token = await w.mint();
    await put(token, 'docs/guide.md', '# Guide\n');
    const accept = 'application/vnd.github.object+json';
    const dir = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/docs', { token, headers: { accept } });
    expect(dir.status).toBe(200);
    expect(dir.body).toMatchObject({ type: 'dir', name: 'docs', path: 'docs', download_url: null });
    expect(dir.body.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(dir.body.entries).toEqual([expect.objectContaining({ type: 'file', name: 'guide.md', size: 8 })]);
    const root = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/', { token, headers: { accept } });
    expect(root.body.entries.map((e: { name: string }) => e.name)).toEqual(['README.md', 'docs']);
    expect(root.body.sha).not.toBe(dir.body.sha);
    const objectSchema =
      spec.paths['/repos/{owner}/{repo}/contents/{path}'].get.responses['200'].content['application/vnd.github.object'].schema;
    expect(problemsWith(objectSchema, dir.body)).toBeFalsy();
    expect(problemsWith(objectSchema, root.body)).toBeFalsy();
    const file = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/docs/guide.md', {
      token,
      headers: { accept },
    });
    expect(file.body).toMatchObject({ type: 'file', encoding: 'base64', name: 'guide.md' });
    expect(Buffer.from(file.body.content, 'base64').toString()).toBe('# Guide\n');
  });
});
