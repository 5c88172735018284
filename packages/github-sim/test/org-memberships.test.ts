import { describe, expect, it } from 'vitest';
import type { GitHubSim } from '../src/index.js';
import { api, type BasicWorld, useBasicWorld } from './helpers.js';

describe('GET /user/memberships/orgs/{org}', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  useBasicWorld((s, world) => {
    sim = s;
    w = world;
  });

  const grantMembersRead = () => {
    w.installation.permissions = { ...w.installation.permissions, members: 'read' };
  };

  it('answers the role of an admin and of a member, state active, for a user token of an app with Members: read', async () => {
    grantMembersRead();
    const admin = sim.world.issueUserTokens(w.app, w.admin).access.value;
    const member = sim.world.issueUserTokens(w.app, w.member).access.value;
    const adminAnswer = await api(sim, 'GET', '/user/memberships/orgs/octo-org', { token: admin });
    expect(adminAnswer.status).toBe(200);
    expect(adminAnswer.body).toMatchObject({
      role: 'admin',
      state: 'active',
      organization: { login: 'octo-org' },
      user: { login: 'octo-admin' },
    });
    const memberAnswer = await api(sim, 'GET', '/user/memberships/orgs/octo-org', { token: member });
    expect(memberAnswer.body.role).toBe('member');
  });

  it('refuses a user token of an app without the Members permission with 403 "Resource not accessible by integration"', async () => {
    const token = sim.world.issueUserTokens(w.app, w.admin).access.value;
    const answer = await api(sim, 'GET', '/user/memberships/orgs/octo-org', { token });
    expect(answer.status).toBe(403);
    expect(answer.body.message).toBe('Resource not accessible by integration');
  });

  it('answers 404 to a user who is not in the organization, and accepts a classic PAT', async () => {
    grantMembersRead();
    const stranger = sim.addUser('stranger');
    const strangerToken = sim.world.issueUserTokens(w.app, stranger).access.value;
    expect((await api(sim, 'GET', '/user/memberships/orgs/octo-org', { token: strangerToken })).status).toBe(
      404,
    );
    const pat = sim.world.addPersonalAccessToken(w.admin, ['read:org']);
    expect((await api(sim, 'GET', '/user/memberships/orgs/octo-org', { token: pat })).body.role).toBe('admin');
  });

  it('follows membership changes made with sim.addOrgMember and sim.removeOrgMember', async () => {
    grantMembersRead();
    const newcomer = sim.addUser('newcomer');
    const token = sim.world.issueUserTokens(w.app, newcomer).access.value;
    sim.addOrgMember('octo-org', 'newcomer', 'member');
    expect((await api(sim, 'GET', '/user/memberships/orgs/octo-org', { token })).body.role).toBe('member');
    sim.addOrgMember('octo-org', 'newcomer', 'admin');
    expect((await api(sim, 'GET', '/user/memberships/orgs/octo-org', { token })).body.role).toBe('admin');
    sim.removeOrgMember('octo-org', 'newcomer');
    expect((await api(sim, 'GET', '/user/memberships/orgs/octo-org', { token })).status).toBe(404);
  });
});
