import { afterEach, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';
import { api, basicWorld } from './helpers.js';
import { problemsWith } from './openapi-schemas.js';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ghes = require('@octokit/openapi/generated/ghes-3.17.deref.json');
const schemaOf = (path: string) => ghes.paths[path].get.responses['200'].content['application/json'].schema;

describe("a GHES instance's own surface: the API root, /meta, its version header and GraphQL", () => {
  let sim: GitHubSim;
  afterEach(() => sim.close());

  const graphql = (token: string | null, query: string, variables?: Record<string, unknown>) =>
    fetch(`${sim.webUrl}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }));

  it('answers the API root with and without its slash and /meta with the installed version, in GHES 3.17 shapes, each with X-GitHub-Enterprise-Version', async () => {
    sim = await GitHubSim.start();
    for (const path of ['/api/v3/', '/api/v3']) {
      const root = await fetch(`${sim.webUrl}${path}`);
      expect(root.status).toBe(200);
      expect(root.headers.get('x-github-enterprise-version')).toBe('3.17.0');
      const body = await root.json();
      expect(body.current_user_url).toBe(`${sim.apiUrl}/user`);
      expect(problemsWith(schemaOf('/'), body)).toBeFalsy();
    }
    const meta = await api(sim, 'GET', '/meta');
    expect(meta.body).toMatchObject({ installed_version: '3.17.0', verifiable_password_authentication: false });
    expect(problemsWith(schemaOf('/meta'), meta.body)).toBeFalsy();
    expect(meta.headers.get('x-github-enterprise-version')).toBe('3.17.0');
  });

  it('says no enterprise version when made as github.com (enterpriseVersion: null)', async () => {
    sim = await GitHubSim.start({ enterpriseVersion: null });
    const meta = await api(sim, 'GET', '/meta');
    expect(meta.headers.get('x-github-enterprise-version')).toBeNull();
    expect(meta.body.installed_version).toBeUndefined();
  });

  it("answers the viewer and a repository in reach over GraphQL, validated by GitHub's schema", async () => {
    sim = await GitHubSim.start();
    const w = await basicWorld(sim);
    const pat = sim.world.addPersonalAccessToken(w.admin, ['repo']);
    const viewer = await graphql(pat, 'query UserCurrent{viewer{login}}');
    expect(viewer.status).toBe(200);
    expect(viewer.body).toEqual({ data: { viewer: { login: 'octo-admin' } } });
    expect(viewer.headers.get('x-github-enterprise-version')).toBe('3.17.0');
    const repo = await graphql(
      pat,
      'query RepositoryInfo($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {name,owner{id,login},description,nameWithOwner,isPrivate,viewerPermission,defaultBranchRef{name}} }',
      { owner: 'octo-org', name: 'made-by-app' },
    );
    expect(repo.body.data.repository).toEqual({
      name: 'made-by-app',
      owner: { id: w.org.nodeId, login: 'octo-org' },
      description: null,
      nameWithOwner: 'octo-org/made-by-app',
      isPrivate: true,
      viewerPermission: 'ADMIN',
      defaultBranchRef: { name: 'main' },
    });
    const bot = await graphql(await w.mint(), '{ viewer { login } }');
    expect(bot.body.data.viewer.login).toBe('hubgate-test[bot]');
  });

  it("refuses, in GitHub's words, a query without a credential, a field GitHub lacks, and a repository out of reach", async () => {
    sim = await GitHubSim.start();
    const w = await basicWorld(sim);
    const anonymous = await graphql(null, '{ viewer { login } }');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.message).toBe('This endpoint requires you to be authenticated.');
    const token = await w.mint();
    const unknownField = await graphql(token, '{ viewer { loginz } }');
    expect(unknownField.body.data).toBeUndefined();
    expect(unknownField.body.errors[0].message).toMatch(/Cannot query field "loginz" on type "User"/);
    // the installation reaches made-by-app only
    const hidden = await graphql(token, '{ repository(owner: "octo-org", name: "customer-code") { name } }');
    expect(hidden.body.data).toEqual({ repository: null });
    expect(hidden.body.errors).toEqual([
      expect.objectContaining({ type: 'NOT_FOUND', path: ['repository'], message: "Could not resolve to a Repository with the name 'octo-org/customer-code'." }),
    ]);
  });
});
