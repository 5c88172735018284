import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  agentKeyListSchema,
  revokedAgentTokensSchema,
  connectionSchema,
  connectResultSchema,
  createdAgentKeySchema,
  disconnectResultSchema,
  errorBodySchema,
  projectListSchema,
  projectSchema,
  reconnectResultSchema,
  revokedAgentKeySchema,
  sessionSchema,
  signOutResultSchema,
  tenantAppAnswerSchema,
  trustPolicyListSchema,
  eventSettingsSchema,
} from '@hubgate/contract';
import * as fixtures from '@hubgate/contract/fixtures';
import { type Harness, startHarness } from './service-harness.js';

/**
 * The settings UI's types are the contract's (`@hubgate/contract`); here every JSON answer the UI reads is
 * parsed with the schema its type comes from, strictly: a field the server stops sending, sends in another shape or
 * sends without the contract saying so fails here, before it fails in a browser.
 */
function conforms<S extends z.ZodType>(schema: S, answer: { status: number; body: unknown }, status = 200): z.output<S> {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new Error(`not the contract's shape: ${parsed.error.message}\n${JSON.stringify(answer.body)}`);
  return parsed.data;
}

describe('the JSON API answers what the contract the web client is typed with says', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  async function settle() {
    await h.hub.sandbox!.sim.webhooks.settle();
    await h.hub.receiver.settle();
    await h.hub.restore.settle();
  }

  it('session, connection in each state, connect, disconnect, reconnect, projects, agent keys, tenant app, errors and sign-out', async () => {
    const signedOut = await fetch(`${h.hub.url}/api/session`);
    expect(conforms(sessionSchema, { status: signedOut.status, body: await signedOut.json() })).toMatchObject({ signedIn: false, productName: 'Tisket' });

    const ada = await h.signIn('user_ada');
    const bob = await h.signIn('user_bob');
    expect(conforms(sessionSchema, await h.api(ada, 'GET', '/api/session'))).toMatchObject({ signedIn: true, isAdmin: true });
    expect(conforms(sessionSchema, await h.api(bob, 'GET', '/api/session'))).toMatchObject({ signedIn: true, isAdmin: false });

    // Never connected: for the admin and for a member.
    expect(conforms(connectionSchema, await h.api(ada, 'GET', '/api/github/connection'))).toMatchObject({ state: 'disconnected', previous: null });
    expect(conforms(connectionSchema, await h.api(bob, 'GET', '/api/github/connection'))).toMatchObject({ state: 'disconnected', canManage: false });
    expect(conforms(reconnectResultSchema, await h.api(ada, 'GET', '/api/github/reconnect'))).toMatchObject({ status: 'none' });
    expect(conforms(projectListSchema, await h.api(ada, 'GET', '/api/projects'))).toEqual({ projects: [] });
    expect(conforms(tenantAppAnswerSchema, await h.api(bob, 'GET', '/api/github/app'))).toEqual({
      app: null,
      setup: {
        callbackUrl: `${h.hub.url}/github/callback`,
        setupUrl: `${h.hub.url}/github/setup`,
        webhookUrl: expect.stringMatching(new RegExp(`^${h.hub.url}/webhooks/github/t[0-9a-f]{16}$`)),
      },
    });
    expect(conforms(connectResultSchema, await h.api(ada, 'POST', '/api/github/connect', {})).installUrl).toMatch(/^http/);

    // Connected, with two projects.
    await h.connect(ada, 'ada', 'tisket-com', 'selected');
    await settle();
    const live = conforms(connectionSchema, await h.api(ada, 'GET', '/api/github/connection'));
    expect(live).toMatchObject({ state: 'connected', repositorySelection: 'selected', reconnect: null });
    conforms(connectionSchema, await h.api(bob, 'GET', '/api/github/connection'));
    const created = conforms(projectSchema, await h.api(ada, 'POST', '/api/projects', { name: 'Engineering' }), 201);
    expect(created.repository.fullName).toBe('tisket-com/engineering.tickets');
    conforms(projectSchema, await h.api(ada, 'POST', '/api/projects', { name: 'Developer guide', kind: 'guide' }), 201);
    expect(conforms(projectListSchema, await h.api(bob, 'GET', '/api/projects')).projects).toHaveLength(2);

    // Refusals: a name taken (with its suggestion), a member changing something, a missing tenant app.
    const taken = conforms(errorBodySchema, await h.api(ada, 'POST', '/api/projects', { name: 'Engineering' }), 409);
    expect(taken.error.code).toBe('conflict');
    expect(conforms(errorBodySchema, await h.api(bob, 'POST', '/api/agent-keys', { name: 'ci' }), 403).error.code).toBe('forbidden');
    conforms(errorBodySchema, await h.api(ada, 'DELETE', '/api/github/app'), 404);
    conforms(errorBodySchema, await h.api(ada, 'PUT', '/api/github/app', { apiUrl: 'nope' }), 400);

    // Agent keys: created (the key once), listed, revoked, listed as revoked.
    const key = conforms(createdAgentKeySchema, await h.api(ada, 'POST', '/api/agent-keys', { name: 'ci runners' }), 201);
    expect(conforms(agentKeyListSchema, await h.api(bob, 'GET', '/api/agent-keys')).keys).toHaveLength(1);
    conforms(revokedAgentTokensSchema, await h.api(ada, 'DELETE', '/api/agent-tokens'));
    conforms(revokedAgentKeySchema, await h.api(ada, 'DELETE', `/api/agent-keys/${key.id}`));
    expect(conforms(agentKeyListSchema, await h.api(ada, 'GET', '/api/agent-keys')).keys[0]!.revokedAt).not.toBeNull();

    // Suspended on GitHub.
    const sim = h.hub.sandbox!.sim;
    const installation = sim.store.installations.get(live.connected ? live.installationId : 0)!;
    sim.suspend(installation, 'ada');
    await settle();
    expect(conforms(connectionSchema, await h.api(ada, 'GET', '/api/github/connection'))).toMatchObject({ state: 'suspended', suspended: true });
    sim.unsuspend(installation, 'ada');
    await settle();

    // Disconnected (and uninstalled): previously connected, then reconnected with a restore result.
    const ended = conforms(disconnectResultSchema, await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true }));
    expect(ended).toMatchObject({ disconnected: true, uninstalled: true });
    await settle();
    expect(conforms(connectionSchema, await h.api(ada, 'GET', '/api/github/connection'))).toMatchObject({
      state: 'previously_connected',
      previous: { account: { login: 'tisket-com' } },
    });
    await h.connect(ada, 'ada', 'tisket-com', 'selected');
    await settle();
    const restored = conforms(reconnectResultSchema, await h.api(ada, 'GET', '/api/github/reconnect'));
    expect(restored.status).toBe('done');
    expect(restored.items).toHaveLength(2);
    const again = conforms(connectionSchema, await h.api(bob, 'GET', '/api/github/connection'));
    expect(again.reconnect).toMatchObject({ status: 'done' });

    expect(conforms(signOutResultSchema, await h.api(bob, 'POST', '/auth/logout')).signedOut).toBe(true);
  });
});

describe("the contract's fixtures (the UI's component tests render them)", () => {
  const each = <T,>(schema: z.ZodType, group: Record<string, T>) =>
    Object.entries(group).map(([name, value]) => [name, schema.safeParse(value)] as const).filter(([, parsed]) => !parsed.success).map(([name, parsed]) => `${name}: ${parsed.error!.message}`);

  it('are each an answer the server could send, by the same strict schemas', () => {
    expect(each(connectionSchema, fixtures.connections)).toEqual([]);
    expect(each(reconnectResultSchema, fixtures.reconnectResults)).toEqual([]);
    expect(each(connectionSchema, { restoring: fixtures.connectedWithRestore('needsAction') })).toEqual([]);
    expect(each(projectListSchema, fixtures.projectLists)).toEqual([]);
    expect(each(agentKeyListSchema, fixtures.agentKeyLists)).toEqual([]);
    expect(each(trustPolicyListSchema, fixtures.trustPolicyLists)).toEqual([]);
    expect(each(tenantAppAnswerSchema, fixtures.tenantApps)).toEqual([]);
    expect(each(eventSettingsSchema, fixtures.eventSettings)).toEqual([]);
  });
});
