import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';
import { api, basicWorld, goodJwt, signJwt } from './helpers.js';

describe('app JWT checks', () => {
  let sim: GitHubSim;
  let world: Awaited<ReturnType<typeof basicWorld>>;
  beforeEach(async () => {
    sim = await GitHubSim.start();
    world = await basicWorld(sim);
  });
  afterEach(() => sim.close());

  const now = () => Math.floor(Date.now() / 1000);

  it('accepts the client id as issuer', async () => {
    const answer = await api(sim, 'GET', '/app', { token: goodJwt(world.privateKey, world.app.clientId) });
    expect(answer.status).toBe(200);
    expect(answer.body.slug).toBe('hubgate-test');
  });

  it('accepts the numeric app id as issuer', async () => {
    const answer = await api(sim, 'GET', '/app', { token: goodJwt(world.privateKey, world.app.id) });
    expect(answer.status).toBe(200);
  });

  it('accepts only the app id when switched to GHES 3.12 behaviour', async () => {
    sim.behaviour.appIdOnlyIssuer = true;
    expect(
      (await api(sim, 'GET', '/app', { token: goodJwt(world.privateKey, world.app.clientId) })).status,
    ).toBe(401);
    expect((await api(sim, 'GET', '/app', { token: goodJwt(world.privateKey, world.app.id) })).status).toBe(
      200,
    );
  });

  it("rejects fractional claims with GitHub's iat message", async () => {
    const token = signJwt(world.privateKey, { iat: now() - 60.5, exp: now() + 500, iss: world.app.id });
    const answer = await api(sim, 'GET', '/app', { token });
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe(
      "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    );
  });

  it('rejects an iat in the future', async () => {
    const token = signJwt(world.privateKey, { iat: now() + 30, exp: now() + 500, iss: world.app.id });
    expect((await api(sim, 'GET', '/app', { token })).body.message).toMatch(/'Issued at' claim/);
  });

  it('rejects an exp more than ten minutes ahead', async () => {
    const token = signJwt(world.privateKey, { iat: now() - 60, exp: now() + 601, iss: world.app.id });
    const answer = await api(sim, 'GET', '/app', { token });
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe("'Expiration time' claim ('exp') is too far in the future");
  });

  it('rejects an expired JWT', async () => {
    const token = signJwt(world.privateKey, { iat: now() - 700, exp: now() - 1, iss: world.app.id });
    expect((await api(sim, 'GET', '/app', { token })).body.message).toMatch(
      /must be a numeric value representing the future time/,
    );
  });

  it('answers "could not be decoded" when the key belongs to another app', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const answer = await api(sim, 'GET', '/app', { token: goodJwt(stranger, world.app.id) });
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe('A JSON web token could not be decoded');
  });

  it('accepts a second key during rotation', async () => {
    const second = sim.store.addAppKey(world.app.id);
    expect((await api(sim, 'GET', '/app', { token: goodJwt(second, world.app.id) })).status).toBe(200);
    expect((await api(sim, 'GET', '/app', { token: goodJwt(world.privateKey, world.app.id) })).status).toBe(
      200,
    );
  });

  it('sends its own clock in the Date header, shifted by the configured offset', async () => {
    sim.clock.setOffsetMs(-5 * 60_000);
    const answer = await api(sim, 'GET', '/app', { token: goodJwt(world.privateKey, world.app.id) });
    // The client's iat (now - 60 s) is four minutes in GitHub's future: a skew 401.
    expect(answer.status).toBe(401);
    const serverDate = Date.parse(answer.headers.get('date')!);
    expect(Math.abs(serverDate - (Date.now() - 5 * 60_000))).toBeLessThan(2000);
    const corrected = goodJwt(world.privateKey, world.app.id, serverDate);
    expect((await api(sim, 'GET', '/app', { token: corrected })).status).toBe(200);
  });

  it('refuses a JWT on routes that need an installation token, and tokens on JWT routes', async () => {
    // GitHub does not take the JWT as a token there: 401 "Bad credentials" (PyGithub/PyGithub#2504), not
    // "could not be decoded", which would send an operator hunting for a wrong key.
    const jwtOnTokenRoute = await api(sim, 'GET', '/installation/repositories', { token: world.jwt() });
    expect(jwtOnTokenRoute.status).toBe(401);
    expect(jwtOnTokenRoute.body.message).toBe('Bad credentials');
    const jwtOnRepoRoute = await api(sim, 'GET', '/repos/octo-org/made-by-app', { token: world.jwt() });
    expect(jwtOnRepoRoute.body.message).toBe('Bad credentials');
    const tokenOnJwtRoute = await api(sim, 'GET', '/app', { token: await world.mint() });
    expect(tokenOnJwtRoute.status).toBe(401);
    expect(tokenOnJwtRoute.body.message).toBe('A JSON web token could not be decoded');
  });
});
