import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitHubSim } from '@hubgate/github-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitOutboundConfig, type Resolver } from '../../src/apps/outbound-guard.js';
import { runGit } from '../../src/projects/git-remote.js';

/**
 * git talks to a tenant's GitHub host itself (the first push of a project): it resolves the name and follows
 * redirects on its own, so it is held to the outbound rule by its own settings (issue 14).
 */
describe('git to a tenant host', () => {
  const nobodyAllowed = { allowedPrivateHosts: [] };
  /** A DNS answer for a public name (no DNS here); the guard must pin git to exactly what it checked. */
  const answers = (...addresses: string[]): Resolver => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a remote over plain http, or on a private or loopback address the operator did not allow', async () => {
    await expect(gitOutboundConfig('http://ghes.example.com/o/r.git', nobodyAllowed, answers('140.82.113.3'))).rejects.toThrow(/not https/);
    await expect(gitOutboundConfig('https://127.0.0.1/o/r.git', nobodyAllowed)).rejects.toThrow(/does not resolve to a public address/);
    await expect(gitOutboundConfig('https://ghes.example.com/o/r.git', nobodyAllowed, answers('140.82.113.3', '10.0.0.7'))).rejects.toThrow(
      /does not resolve to a public address/,
    );
  });

  it('pins the host to the addresses it checked, follows no redirect and allows only the remote\'s protocol', async () => {
    const config = await gitOutboundConfig('https://ghes.example.com:8443/o/r.git', nobodyAllowed, answers('140.82.113.3', '2606:50c0::1'));
    const settings = config.filter((_, i) => i % 2 === 1);
    expect(config.filter((_, i) => i % 2 === 0).every((flag) => flag === '-c')).toBe(true);
    expect(settings).toContain('http.curloptResolve=ghes.example.com:8443:140.82.113.3,[2606:50c0::1]');
    expect(settings).toContain('http.followRedirects=false');
    expect(settings).toContain('protocol.allow=never');
    expect(settings).toContain('protocol.https.allow=always');
    expect(settings).not.toContain('protocol.http.allow=always');
  });

  it('lets an allowed private host use plain http, unpinned (the operator vouches for it)', async () => {
    const config = await gitOutboundConfig('http://ghes.internal:8080/o/r.git', { allowedPrivateHosts: ['ghes.internal:8080'] });
    expect(config).toContain('protocol.http.allow=always');
    expect(config.some((c) => c.startsWith('http.curloptResolve='))).toBe(false);
  });

  describe('with real git against a simulated host', () => {
    let sim: GitHubSim;
    let home: string;
    let token: string;
    let port: string;
    beforeAll(async () => {
      sim = await GitHubSim.start();
      const ada = sim.addUser('ada');
      sim.addOrg('ghe-tisket', { ada: 'admin' });
      await sim.createRepository('ghe-tisket', 'guide');
      token = sim.world.addPersonalAccessToken(ada);
      port = new URL(sim.webUrl).port;
      home = await mkdtemp(join(tmpdir(), 'hubgate-git-outbound-'));
    });
    afterAll(async () => {
      await sim.close();
      await rm(home, { recursive: true, force: true });
    });
    const lsRemote = (url: string, remoteConfig: string[]) =>
      runGit(['ls-remote', '--heads', url], { cwd: home, home, credential: { username: 'ada', password: token }, remoteConfig, timeoutMs: 20_000 });

    it('reaches the pinned address for a name that resolves nowhere else (git honours the pin)', async () => {
      const url = `http://ghes.invalid:${port}/ghe-tisket/guide.git`;
      await expect(lsRemote(url, ['-c', 'protocol.allow=always'])).rejects.toThrow();
      const pinned = await lsRemote(url, ['-c', 'protocol.allow=always', '-c', `http.curloptResolve=ghes.invalid:${port}:127.0.0.1`]);
      expect(pinned.stdout).toMatch(/refs\/heads\/main/);
    });

    it('does not follow a redirect of the host under the guard\'s settings, where git would by default', async () => {
      // A repository of its own to rename: the other test reaches `guide`.
      await sim.createRepository('ghe-tisket', 'manual');
      sim.renameRepository('ghe-tisket', 'manual', 'handbook');
      // The credential in the URL here: git sends it on its first request, which is the one git follows by default.
      const old = new URL('/ghe-tisket/manual.git', sim.webUrl);
      old.username = 'ada';
      old.password = token;
      const byDefault = await runGit(['ls-remote', '--heads', old.toString()], { cwd: home, home, timeoutMs: 20_000 });
      expect(byDefault.stdout).toMatch(/refs\/heads\/main/);
      const guarded = await gitOutboundConfig(old.toString(), { allowedPrivateHosts: [old.host] });
      await expect(runGit(['ls-remote', '--heads', old.toString()], { cwd: home, home, remoteConfig: guarded, timeoutMs: 20_000 })).rejects.toThrow(
        /ls-remote failed/,
      );
    });
  });
});
