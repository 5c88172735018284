import { createSign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AppJwt, localRs256Signer } from '../src/app-jwt.js';
import { createAppCredentials } from '../src/index.js';
import { parsePrivateKey } from '../src/private-key.js';
import { startWorld, type TestWorld } from './helpers.js';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

describe('app JWT', () => {
  let world: TestWorld | null = null;
  afterEach(async () => {
    await world?.sim.close();
    world = null;
  });

  it('has integer claims, iat 60 s back, exp under ten minutes ahead, and the client id as issuer', async () => {
    world = await startWorld();
    const creds = createAppCredentials({
      clientId: world.clientId,
      privateKey: world.privateKey,
      apiUrl: world.sim.apiUrl,
    });
    const claims = claimsOf(await creds.jwt.get());
    const now = Math.floor(Date.now() / 1000);
    expect(Number.isInteger(claims.iat) && Number.isInteger(claims.exp)).toBe(true);
    expect(claims.iat).toBeGreaterThanOrEqual(now - 61);
    expect(claims.iat).toBeLessThanOrEqual(now - 59);
    expect(claims.exp - now).toBeLessThan(600);
    expect(claims.iss).toBe(world.clientId);
  });

  it('uses the numeric app id as issuer when configured for GHES 3.12', async () => {
    world = await startWorld();
    world.sim.behaviour.appIdOnlyIssuer = true;
    const creds = createAppCredentials({
      appId: world.appId,
      clientId: world.clientId,
      privateKey: world.privateKey,
      apiUrl: world.sim.apiUrl,
      issuerIsAppId: true,
    });
    expect(claimsOf(await creds.jwt.get()).iss).toBe(world.appId);
    const provider = world.provider({ app: creds });
    expect((await provider.getToken({ installationId: world.installationId })).token).toMatch(/^ghs_/);
  });

  it('signs once and reuses the JWT until shortly before it expires', async () => {
    world = await startWorld();
    const key = parsePrivateKey(world.privateKey);
    let signatures = 0;
    let now = Date.now();
    const jwt = new AppJwt({
      issuer: 1,
      clock: { now: () => now },
      signer: (input) => (signatures++, localRs256Signer(key)(input)),
    });
    const first = await jwt.get();
    now += 7 * 60_000;
    expect(await jwt.get()).toBe(first);
    now += 60_000;
    expect(await jwt.get()).not.toBe(first);
    expect(signatures).toBe(2);
  });

  it('signs with a signer callback (KMS or HSM) instead of a local key', async () => {
    world = await startWorld();
    const key = parsePrivateKey(world.privateKey);
    const calls: string[] = [];
    const creds = createAppCredentials({
      clientId: world.clientId,
      apiUrl: world.sim.apiUrl,
      signer: async (input) => {
        calls.push(input);
        return createSign('RSA-SHA256').update(input).sign(key);
      },
    });
    const provider = world.provider({ app: creds });
    await provider.getToken({ installationId: world.installationId });
    expect(calls).toHaveLength(1);
  });

  it("learns the clock skew from GitHub's Date header, retries once, and remembers it for later requests", async () => {
    world = await startWorld();
    world.sim.clock.setOffsetMs(-5 * 60_000);
    const provider = world.provider();
    const route = 'POST /app/installations/{installation_id}/access_tokens';
    await provider.getToken({ installationId: world.installationId });
    expect(world.sim.requestCount(route)).toBe(2);
    expect(provider.app.jwt.clockSkewMs).toBeLessThan(-4 * 60_000);
    await provider.getToken({ installationId: world.installationId, permissions: { contents: 'read' } });
    // Remembered: the second mint needed no second try (@octokit/auth-app fails once every time).
    expect(world.sim.requestCount(route)).toBe(3);
  });

  it('corrects a clock that runs behind GitHub as well', async () => {
    world = await startWorld();
    world.sim.clock.setOffsetMs(15 * 60_000);
    const provider = world.provider();
    const token = await provider.getToken({ installationId: world.installationId });
    // The token's expiry is expressed on our clock, not GitHub's.
    expect(token.expiresAt - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(token.expiresAt - Date.now()).toBeLessThanOrEqual(60 * 60_000 + 1000);
  });

  it('explains a JWT refused because the key belongs to another app', async () => {
    world = await startWorld();
    const other = world.sim.addApp({ slug: 'other', ownerLogin: 'tisket-com' });
    const creds = createAppCredentials({
      clientId: world.clientId,
      privateKey: other.privateKey!,
      apiUrl: world.sim.apiUrl,
    });
    await expect(
      world.provider({ app: creds }).getToken({ installationId: world.installationId }),
    ).rejects.toThrow(/belong to different apps/);
  });

  it('refuses bad app settings at creation', () => {
    expect(() => createAppCredentials({ privateKey: 'x' })).toThrow(/app id or its client id/);
    expect(() => createAppCredentials({ appId: 'abc', privateKey: 'x' })).toThrow(/not a positive integer/);
    expect(() => createAppCredentials({ appId: 1 })).toThrow(/needs a private key/);
    expect(() => createAppCredentials({ appId: 1, privateKeyPath: '/nonexistent/key.pem' })).toThrow(
      /cannot read the private key file/,
    );
  });
});
