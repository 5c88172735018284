import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourcesFromDocument } from '../src/credential-config.js';
import { gitHubAppSettingsSchema, loadCredentialSources, parseRepoUrl, webUrlFor } from '../src/index.js';

describe('repository URLs', () => {
  const same = { owner: 'acme', repo: 'tickets' };
  it.each([
    'https://github.com/acme/tickets',
    'https://github.com/acme/tickets.git',
    'https://github.com/acme/tickets/',
    'https://github.com/acme/tickets.git?ref=main',
    'https://x-access-token:secret@github.com/acme/tickets.git',
    'git@github.com:acme/tickets.git',
    'github.com:acme/tickets',
    'ssh://git@github.com/acme/tickets.git',
  ])('reads %s as acme/tickets on github.com', (url) => {
    const parsed = parseRepoUrl(url);
    expect(parsed).toMatchObject({ ...same, base: 'github.com', normalized: 'github.com/acme/tickets' });
  });

  it('keeps a proxy path prefix in the base', () => {
    expect(parseRepoUrl('https://proxy.corp/github/acme/tickets.git').base).toBe('proxy.corp/github');
  });

  it('names what is wrong, without echoing credentials', () => {
    expect(() => parseRepoUrl('')).toThrow(/empty/);
    expect(() => parseRepoUrl('https://github.com/acme')).toThrow(/OWNER\/REPO/);
    expect(() => parseRepoUrl('ftp://github.com/a/b')).toThrow(/ftp:/);
    try {
      parseRepoUrl('https://user:s3cret@github.com/only');
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it.each([
    'git@github.com:../tickets.git',
    'github.com:acme/..',
    'https://github.com/acme/../victim/tickets.git',
    'https://github.com/./tickets',
    'https://github.com/acme/%2e%2e',
    'ssh://git@github.com/../tickets',
  ])('refuses %s: "." and ".." are path steps, never an owner or a repository', (url) => {
    expect(() => parseRepoUrl(url)).toThrow(/"\." or "\.\." path segment/);
  });

  it('derives the web URL of github.com, GHES and GHE.com', () => {
    expect(webUrlFor('https://api.github.com')).toBe('https://github.com');
    expect(webUrlFor('https://ghe.corp/api/v3')).toBe('https://ghe.corp');
    expect(webUrlFor('https://api.acme.ghe.com')).toBe('https://acme.ghe.com');
  });
});

describe('credential sources', () => {
  it("accepts the Concord seed's user-provided secret as is, with its defaults", () => {
    const [source] = sourcesFromDocument({
      githubAppInstallation: {
        clientId: 'Iv1.abc',
        privateKey: 'PEM',
        urlPattern: '(?<baseUrl>github.com)/owner/.*',
      },
    });
    expect(source).toMatchObject({ clientId: 'Iv1.abc', username: 'x-access-token' });
  });

  it('refuses a urlPattern without a baseUrl group, or not a regular expression', () => {
    expect(() =>
      sourcesFromDocument({ sources: [{ clientId: 'a', privateKey: 'k', urlPattern: 'github.com/.*' }] }),
    ).toThrow(/named group baseUrl/);
    expect(() =>
      sourcesFromDocument({ sources: [{ clientId: 'a', privateKey: 'k', urlPattern: '(?<baseUrl>[' }] }),
    ).toThrow(/not a valid regular expression/);
  });

  it('lists every problem of a source', () => {
    expect(() =>
      sourcesFromDocument({ sources: [{ urlPattern: '(?<baseUrl>x)/.*', apiUrl: 'not a url' }] }),
    ).toThrow(/apiUrl.*clientId or appId|clientId or appId/);
  });

  it("reads YAML and JSON files, then appends the system app from env; the file's sources come first", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubgate-config-'));
    const yamlPath = join(dir, 'github.yaml');
    writeFileSync(
      yamlPath,
      'sources:\n  - urlPattern: "(?<baseUrl>ghe.corp)/.*"\n    apiUrl: https://ghe.corp/api/v3\n    appId: 12\n    privateKey: PEM\n',
    );
    const sources = loadCredentialSources({
      HUBGATE_GITHUB_CONFIG: yamlPath,
      GITHUB_APP_CLIENT_ID: 'Iv1.sys',
      GITHUB_APP_PRIVATE_KEY: 'PEM',
    });
    expect(sources.map((s) => s.apiUrl)).toEqual(['https://ghe.corp/api/v3', 'https://api.github.com']);
    expect(sources[0]!.appId).toBe(12);
    expect(new RegExp(`^(?:${sources[1]!.urlPattern})$`).test('github.com/acme/x')).toBe(true);
    const jsonPath = join(dir, 'bad.json');
    writeFileSync(jsonPath, '{nope');
    expect(() => loadCredentialSources({ HUBGATE_GITHUB_CONFIG: jsonPath })).toThrow(/not valid JSON/);
  });
});

describe('GitHub App settings (one shape for the library and the service)', () => {
  it("holds what the service needs besides the key: client secret, slug, web URL and webhook secrets", () => {
    const settings = gitHubAppSettingsSchema.parse({
      appId: '12',
      clientId: 'Iv23li.abc',
      privateKeyPath: '/secrets/app.pem',
      apiUrl: 'https://ghe.corp/api/v3',
      webUrl: 'https://ghe.corp',
      clientSecret: 'secret',
      slug: 'hubgate-acme',
      webhookSecrets: ['current', 'previous'],
    });
    expect(settings).toMatchObject({ appId: 12, slug: 'hubgate-acme', webhookSecrets: ['current', 'previous'] });
  });

  it('names every problem, and refuses fields it does not know', () => {
    const result = gitHubAppSettingsSchema.safeParse({ slug: 'Not A Slug', webhookSecrets: [''], privateKey: 'k', colour: 'red' });
    expect(result.success).toBe(false);
    const text = result.error!.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    expect(text).toMatch(/slug must be the lower-case slug/);
    expect(text).toMatch(/webhookSecrets\.0/);
    expect(text).toMatch(/colour/);
  });

  it('reads the service settings of the system app from env', () => {
    const [system] = loadCredentialSources({
      GITHUB_APP_CLIENT_ID: 'Iv1.sys',
      GITHUB_APP_PRIVATE_KEY: 'PEM',
      GITHUB_APP_CLIENT_SECRET: 's',
      GITHUB_APP_SLUG: 'hubgate',
      GITHUB_APP_WEBHOOK_SECRET: 'w1',
      GITHUB_APP_WEBHOOK_SECRET_PREVIOUS: 'w0',
    });
    expect(system).toMatchObject({ clientSecret: 's', slug: 'hubgate', webhookSecrets: ['w1', 'w0'] });
    expect(system!.allowHttp).toBeUndefined();
  });
});
