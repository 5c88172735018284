import { describe, expect, it } from 'vitest';
import type { GitHubSim } from '../src/index.js';
import { api, type BasicWorld, useBasicWorld } from './helpers.js';

async function exchangeRefresh(sim: GitHubSim, w: BasicWorld, refreshToken: string) {
  const response = await fetch(`${sim.webUrl}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: w.app.clientId,
      client_secret: w.app.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    }),
  });
  return (await response.json()) as Record<string, string>;
}

describe('revoking an admin user grant with the app credentials', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  useBasicWorld((s, world) => {
    sim = s;
    w = world;
  });

  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('DELETE /applications/{client_id}/grant kills the access and refresh tokens (401, bad_refresh_token)', async () => {
    const pair = sim.world.issueUserTokens(w.app, w.admin);
    const other = sim.world.issueUserTokens(w.app, w.member);
    expect((await api(sim, 'GET', '/user', { token: pair.access.value })).status).toBe(200);
    const answer = await api(sim, 'DELETE', `/applications/${w.app.clientId}/grant`, {
      headers: { authorization: basic(w.app.clientId, w.app.clientSecret) },
      body: { access_token: pair.access.value },
    });
    expect(answer.status).toBe(204);
    expect((await api(sim, 'GET', '/user', { token: pair.access.value })).status).toBe(401);
    expect((await exchangeRefresh(sim, w, pair.refresh.value)).error).toBe('bad_refresh_token');
    // Another user's grant is untouched.
    expect((await api(sim, 'GET', '/user', { token: other.access.value })).status).toBe(200);
  });

  it('DELETE /applications/{client_id}/token revokes the token and its refresh token', async () => {
    const pair = sim.world.issueUserTokens(w.app, w.admin);
    const answer = await api(sim, 'DELETE', `/applications/${w.app.clientId}/token`, {
      headers: { authorization: basic(w.app.clientId, w.app.clientSecret) },
      body: { access_token: pair.access.value },
    });
    expect(answer.status).toBe(204);
    expect((await api(sim, 'GET', '/user', { token: pair.access.value })).status).toBe(401);
    expect((await exchangeRefresh(sim, w, pair.refresh.value)).error).toBe('bad_refresh_token');
  });

  it('answers 404 to wrong client credentials and 422 without access_token, revoking nothing', async () => {
    const pair = sim.world.issueUserTokens(w.app, w.admin);
    const wrong = await api(sim, 'DELETE', `/applications/${w.app.clientId}/grant`, {
      headers: { authorization: basic(w.app.clientId, 'not-the-secret') },
      body: { access_token: pair.access.value },
    });
    expect(wrong.status).toBe(404);
    const missing = await api(sim, 'DELETE', `/applications/${w.app.clientId}/token`, {
      headers: { authorization: basic(w.app.clientId, w.app.clientSecret) },
      body: {},
    });
    expect(missing.status).toBe(422);
    expect((await api(sim, 'GET', '/user', { token: pair.access.value })).status).toBe(200);
  });
});
