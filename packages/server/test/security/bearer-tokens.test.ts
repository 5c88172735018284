import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../service-harness.js';

describe('bearer tokens (8.3)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const connect = (token: string) =>
    fetch(`${h.hub.url}/api/github/connect`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const issue = (options: Parameters<NonNullable<Harness['hub']['sandbox']>['issueAccessToken']>[1]) =>
    h.hub.sandbox!.issueAccessToken('user_ada', options);

  it("accepts the issuer's token for its audience, with an expiry and a subject", async () => {
    expect((await connect(await issue({}))).status).toBe(200);
  });

  it('refuses a token for another audience, or for none', async () => {
    expect((await connect(await issue({ audience: 'some-other-api' }))).status).toBe(401);
    expect((await connect(await issue({ audience: null }))).status).toBe(401);
  });

  it('refuses a token that never expires', async () => {
    expect((await connect(await issue({ expiresIn: null }))).status).toBe(401);
  });

  it('refuses a token without a subject', async () => {
    expect((await connect(await issue({ subject: null }))).status).toBe(401);
  });

  it("refuses a token signed with the issuer's key but naming another issuer", async () => {
    const answer = await connect(await issue({ issuer: 'https://evil.example' }));
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as any).error.message).toMatch(/invalid or expired/);
  });
});
