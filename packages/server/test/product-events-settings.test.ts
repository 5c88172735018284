import { eventEndpointSavedSchema, eventSettingsSchema } from '@hubgate/contract';
import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventEndpoints } from '../src/db/schema/index.js';
import { eventually, pushCommits, startEndpoint } from './events-fixtures.js';
import { type Harness, startHarness } from './service-harness.js';

const tisket = 'org_01TISKET';

describe('the event endpoint settings (admins change, members read; docs/events.md)', () => {
  let h: Harness;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
  let offsetMs = 0;

  beforeEach(async () => {
    offsetMs = 0;
    endpoint = await startEndpoint();
    h = await startHarness({
      env: { HUBGATE_ALLOWED_PRIVATE_HOSTS: endpoint.host },
      clock: { now: () => Date.now() + offsetMs },
      // A short retry window: a failing event is a dead letter within a second.
      events: { pollMs: 50, schedule: { firstDelayMs: 40, maxDelayMs: 100, windowMs: 400 } },
    });
  });
  afterEach(async () => {
    await h.close();
    await endpoint.close();
  });

  const sim = () => h.hub.sandbox!.sim;
  const stored = () => h.hub.db.db.select().from(eventEndpoints).where(eq(eventEndpoints.organizationId, tisket));

  it('shows the secret once, when the endpoint is made; lists it for members, who cannot change it', async () => {
    const ada = await h.signIn('user_ada');
    const saved = await h.api(ada, 'PUT', '/api/events/endpoint', { url: endpoint.url });
    expect(saved.status).toBe(200);
    expect(saved.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const again = await h.api(ada, 'PUT', '/api/events/endpoint', { url: `${endpoint.url}/v2` });
    expect(again.body).toEqual({ url: `${endpoint.url}/v2`, secret: null });

    const bob = await h.signIn('user_bob');
    const read = await h.api(bob, 'GET', '/api/events');
    expect(read.status).toBe(200);
    // The answers are the contract's, by its strict schemas.
    expect(eventSettingsSchema.safeParse(read.body).error).toBeUndefined();
    expect(eventEndpointSavedSchema.safeParse(saved.body).error).toBeUndefined();
    expect(read.body.endpoint).toMatchObject({ url: `${endpoint.url}/v2`, previousSecretUntil: null });
    expect(JSON.stringify(read.body)).not.toContain(saved.body.secret);
    for (const [method, path] of [
      ['PUT', '/api/events/endpoint'],
      ['POST', '/api/events/endpoint/rotate'],
      ['DELETE', '/api/events/endpoint'],
      ['POST', '/api/events/deliveries/1/redeliver'],
    ] as const) {
      const refused = await h.api(bob, method, path, { url: 'https://evil.example/hooks' });
      expect(refused.status, path).toBe(403);
      expect(refused.body.error.message).toMatch(/admin/i);
    }
    expect((await stored())[0]!.url).toBe(`${endpoint.url}/v2`);
    // At rest the secret is sealed, not in plain text.
    expect(JSON.stringify(await stored())).not.toContain(saved.body.secret.slice(6));
  });

  it('refuses, naming the problem and storing nothing, a URL that is not https, not public, or carries credentials', async () => {
    const ada = await h.signIn('user_ada');
    const cases: [string, RegExp, number][] = [
      ['http://example.com/hooks', /^url: http:\/\/example.com is not https: events are posted over https only\.$/, 422],
      ['https://127.0.0.1:9/hooks', /public address/, 422],
      ['https://10.1.2.3/hooks', /public address/, 422],
      ['https://user:pw@example.com/hooks', /user name or password/, 422],
      ['not a url', /https URL/, 400],
    ];
    for (const [url, message, status] of cases) {
      const refused = await h.api(ada, 'PUT', '/api/events/endpoint', { url });
      expect(refused.status, url).toBe(status);
      expect(refused.body.error.message, url).toMatch(message);
    }
    expect(await stored()).toEqual([]);
  });

  it('signs with both secrets for a day after a rotation, then with the new one only', async () => {
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com');
    const first = (await h.api(ada, 'PUT', '/api/events/endpoint', { url: endpoint.url })).body.secret as string;
    const created = await h.api(ada, 'POST', '/api/projects', { name: 'Rotation' });
    const token = await h.hub.projects.tokenFor(tisket, created.body.id, { contents: 'write' });
    const rotated = await h.api(ada, 'POST', '/api/events/endpoint/rotate');
    expect(rotated.status).toBe(200);
    const second = rotated.body.secret as string;
    expect(second).not.toBe(first);
    expect((await h.api(ada, 'GET', '/api/events')).body.endpoint.previousSecretUntil).not.toBeNull();

    const [during] = await pushCommits(token.remoteUrl, token.token, ['during the rotation']);
    await eventually('the push', () => endpoint.accepted.some((e) => e.body.includes(during!)));
    const signed = endpoint.accepted.find((e) => e.body.includes(during!))!;
    const headers = signed.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(first).verify(signed.body, headers)).not.toThrow();
    expect(() => new Webhook(second).verify(signed.body, headers)).not.toThrow();

    offsetMs += 25 * 3_600_000;
    const [after] = await pushCommits(token.remoteUrl, token.token, ['after the rotation']);
    await eventually('the second push', () => endpoint.accepted.some((e) => e.body.includes(after!)));
    const late = endpoint.accepted.find((e) => e.body.includes(after!))!;
    const lateHeaders = { ...(late.headers as Record<string, string>) };
    expect(lateHeaders['webhook-signature']!.split(' ')).toHaveLength(1);
    // standardwebhooks checks the timestamp against its own clock: the test clock ran ahead by a day.
    expect(() => new Webhook(second).verify(late.body, { ...lateHeaders, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) })).toThrow();
    expect(new Webhook(second).sign(lateHeaders['webhook-id']!, new Date(Number(lateHeaders['webhook-timestamp']) * 1000), late.body)).toBe(lateHeaders['webhook-signature']);
  });

  it('turns an event that keeps failing into a dead letter that an admin redelivers, and no other tenant can', async () => {
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com');
    const secret = (await h.api(ada, 'PUT', '/api/events/endpoint', { url: endpoint.url })).body.secret as string;
    endpoint.state.answer = 500;
    const created = await h.api(ada, 'POST', '/api/projects', { name: 'Dead letters' });
    const token = await h.hub.projects.tokenFor(tisket, created.body.id, { contents: 'write' });
    const [head] = await pushCommits(token.remoteUrl, token.token, ['never accepted']);
    await sim().webhooks.settle();
    const deadOf = async () => (await h.api(ada, 'GET', '/api/events')).body.deadLetters as { id: number; deliveryId: string; event: string; lastStatus: number; lastError: string; project: string }[];
    // This push's own letter (the project's other events, failing too, may go dead first)
    const github = sim().webhooks.deliveries.find((d) => d.event === 'push' && JSON.parse(d.body).after === head)!;
    await eventually('a dead letter', async () => (await deadOf()).some((d) => d.deliveryId === github.guid));
    const dead = (await deadOf()).find((d) => d.deliveryId === github.guid)!;
    expect(dead).toMatchObject({ lastStatus: 500, lastError: 'The endpoint answered 500.', project: 'Dead letters' });
    expect(eventSettingsSchema.safeParse((await h.api(ada, 'GET', '/api/events')).body).error).toBeUndefined();

    const cyd = await h.signIn('user_cyd');
    const foreign = await h.api(cyd, 'POST', `/api/events/deliveries/${dead.id}/redeliver`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.message).toMatch(/no such dead letter/);
    expect((await deadOf()).map((d) => d.id)).toContain(dead.id);

    endpoint.state.answer = 200;
    const redelivered = await h.api(ada, 'POST', `/api/events/deliveries/${dead.id}/redeliver`);
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.status).toBe('pending');
    const arrived = () =>
      endpoint.accepted.some((e) => (new Webhook(secret).verify(e.body, e.headers as Record<string, string>) as { data: { payload: { after?: string } } }).data.payload.after === head);
    // On a loaded machine, say where the row stood if it did not arrive (CI once timed out here).
    await eventually('the redelivered push', arrived, 30_000).catch(async (error: Error) => {
      const rows = (await h.api(ada, 'GET', '/api/events')).body.recent as unknown[];
      throw new Error(`${error.message}; the outbox: ${JSON.stringify(rows)}; received ${endpoint.received.length}`);
    });
    expect((await deadOf()).map((d) => d.id)).not.toContain(dead.id);
    expect((await h.api(ada, 'POST', `/api/events/deliveries/${dead.id}/redeliver`)).status).toBe(404);
  });

  it("never sends one tenant's events to another tenant's endpoint", async () => {
    const other = await startEndpoint();
    try {
      const cyd = await h.signIn('user_cyd');
      // Not allowed as a private host for this harness: acme's endpoint must be public; store it as the operator would.
      const refused = await h.api(cyd, 'PUT', '/api/events/endpoint', { url: other.url });
      expect(refused.status).toBe(422);
      const ada = await h.signIn('user_ada');
      await h.connect(ada, 'ada', 'tisket-com');
      await h.api(ada, 'PUT', '/api/events/endpoint', { url: endpoint.url });
      const created = await h.api(ada, 'POST', '/api/projects', { name: 'Mine only' });
      const token = await h.hub.projects.tokenFor(tisket, created.body.id, { contents: 'write' });
      const [head] = await pushCommits(token.remoteUrl, token.token, ['tisket only']);
      await eventually('the push at tisket', () => endpoint.accepted.some((e) => e.body.includes(head!)));
      expect(other.received).toEqual([]);
      const acme = await h.api(cyd, 'GET', '/api/events');
      expect(acme.body).toMatchObject({ endpoint: null, recent: [], deadLetters: [] });
    } finally {
      await other.close();
    }
  });
});
