import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { webUrlFor } from './app-credentials.js';
import { GitHubAuthError } from './errors.js';

// zod's tree-shakable API (the same library and checks): the git helper validates its sources on every git
// operation, and the classic API costs it ~450 KB of code to load and compile each time. English messages, as
// the classic API gives them.
z.config(en());

const permissionLevel = z.enum(['read', 'write', 'admin']);
const nonEmpty = () => z.string().check(z.minLength(1));

/** The fields of one GitHub App, shared by a credential source and the service's app settings. */
const appShape = {
  /** `https://api.github.com` (default), GHES `https://HOST/api/v3`, GHE.com `https://api.SUBDOMAIN.ghe.com` */
  apiUrl: z.optional(z.url()),
  /** where people and OAuth go; derived from `apiUrl` when absent (`webUrlFor`) */
  webUrl: z.optional(z.url()),
  clientId: z.optional(nonEmpty()),
  appId: z.optional(
    z.union([z.int().check(z.positive()), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))]),
  ),
  privateKey: z.optional(nonEmpty()),
  privateKeyPath: z.optional(nonEmpty()),
  /** use the numeric app id as the JWT issuer (GHES 3.12 and 3.13 accept nothing else) */
  issuerIsAppId: z.optional(z.boolean()),
  /** OAuth (the user authorization that proves who installed) */
  clientSecret: z.optional(nonEmpty()),
  /** the install page is `/apps/<slug>/installations/new` */
  slug: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*$/, "must be the lower-case slug from the app's URL"))),
  /** the current webhook secret first, then the previous ones during a rotation */
  webhookSecrets: z.optional(z.array(nonEmpty())),
};

const needsIdentity = z.refine<{ clientId?: string; appId?: number }>((s) => Boolean(s.clientId || s.appId), {
  message: 'needs clientId or appId',
});
const needsKey = z.refine<{ privateKey?: string; privateKeyPath?: string }>(
  (s) => Boolean(s.privateKey || s.privateKeyPath),
  { message: 'needs privateKey or privateKeyPath' },
);

/** One GitHub App's settings, as the library and the service both read them. */
export const gitHubAppSettingsSchema = z.strictObject(appShape).check(needsIdentity, needsKey);

export type GitHubAppSettings = z.output<typeof gitHubAppSettingsSchema>;

/** One credential source: which repository URLs it serves and the GitHub App that serves them. */
export const credentialSourceSchema = z
  .strictObject({
    ...appShape,
    urlPattern: nonEmpty(),
    username: z._default(nonEmpty(), 'x-access-token'),
    permissions: z.optional(z.record(z.string(), permissionLevel)),
    /** used when git does not send the path (no credential.useHttpPath): a token for this installation */
    installationId: z.optional(z.int().check(z.positive())),
    /** hand tokens to plain-http remotes of this source (a local simulator); never for a real GitHub */
    allowHttp: z.optional(z.boolean()),
  })
  .check(needsIdentity, needsKey);

export type CredentialSourceConfig = z.output<typeof credentialSourceSchema>;

const configFileSchema = z.looseObject({
  sources: z._default(z.array(z.unknown()), []),
  githubAppInstallation: z.optional(z.unknown()),
});

/** `urlPattern` must compile and hold a `baseUrl` named group (Concord's rule). */
export function compileUrlPattern(pattern: string, where: string): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${pattern})$`, 'i');
  } catch (cause) {
    throw new GitHubAuthError(
      'invalid_config',
      `${where}: urlPattern "${pattern}" is not a valid regular expression`,
      { cause },
    );
  }
  if (!pattern.includes('(?<baseUrl>')) {
    throw new GitHubAuthError(
      'invalid_config',
      `${where}: urlPattern "${pattern}" must hold a named group baseUrl, e.g. "(?<baseUrl>github.com)/acme/.*"`,
    );
  }
  return regex;
}

function parseSource(value: unknown, where: string): CredentialSourceConfig {
  const result = credentialSourceSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join('.') || '(source)'} ${i.message}`)
      .join('; ');
    throw new GitHubAuthError('invalid_config', `${where}: ${problems}`);
  }
  compileUrlPattern(result.data.urlPattern, where);
  return result.data;
}

/**
 * Reads sources from a parsed config document: `{ sources: [...] }`, or the user-provided secret format of the
 * Concord seed, `{ "githubAppInstallation": { apiUrl, clientId, privateKey, username, urlPattern } }`, as is.
 */
export function sourcesFromDocument(document: unknown, where = 'config'): CredentialSourceConfig[] {
  const parsed = configFileSchema.safeParse(document);
  if (!parsed.success)
    throw new GitHubAuthError(
      'invalid_config',
      `${where}: expected an object with "sources" or "githubAppInstallation"`,
    );
  const sources = parsed.data.sources.map((s, i) => parseSource(s, `${where}: sources[${i}]`));
  if (parsed.data.githubAppInstallation !== undefined)
    sources.push(parseSource(parsed.data.githubAppInstallation, `${where}: githubAppInstallation`));
  return sources;
}

export function readConfigFile(path: string): CredentialSourceConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new GitHubAuthError('invalid_config', `cannot read the config file ${path}`, { cause });
  }
  let document: unknown;
  try {
    document = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (cause) {
    throw new GitHubAuthError(
      'invalid_config',
      `${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}`,
      { cause },
    );
  }
  return sourcesFromDocument(document, path);
}

/** `yaml` is loaded only for a YAML file: most configurations are env only, and the git helper starts per operation. */
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The system app from env: `GITHUB_APP_ID` or `GITHUB_APP_CLIENT_ID`, `GITHUB_APP_PRIVATE_KEY(_PATH)`,
 * `GITHUB_API_URL`, and for the service `GITHUB_APP_CLIENT_SECRET`, `GITHUB_APP_SLUG`, `GITHUB_WEB_URL`,
 * `GITHUB_APP_WEBHOOK_SECRET(_PREVIOUS)`. `GITHUB_APP_ALLOW_HTTP=1` lets the git helper answer plain-http remotes.
 */
export function systemSourceFromEnv(env: NodeJS.ProcessEnv): CredentialSourceConfig | null {
  const appId = env.GITHUB_APP_ID?.trim();
  const clientId = env.GITHUB_APP_CLIENT_ID?.trim();
  if (!appId && !clientId) return null;
  const apiUrl = env.GITHUB_API_URL?.trim() || 'https://api.github.com';
  const webhookSecrets = [env.GITHUB_APP_WEBHOOK_SECRET, env.GITHUB_APP_WEBHOOK_SECRET_PREVIOUS].filter(
    (secret): secret is string => Boolean(secret),
  );
  const webHost = new URL(webUrlFor(apiUrl)).host + new URL(webUrlFor(apiUrl)).pathname.replace(/\/$/, '');
  return parseSource(
    {
      urlPattern: env.GITHUB_APP_URL_PATTERN?.trim() || `(?<baseUrl>${escapeRegex(webHost)})/.*`,
      apiUrl,
      ...(appId ? { appId } : {}),
      ...(clientId ? { clientId } : {}),
      ...(env.GITHUB_APP_PRIVATE_KEY ? { privateKey: env.GITHUB_APP_PRIVATE_KEY } : {}),
      ...(env.GITHUB_APP_PRIVATE_KEY_PATH ? { privateKeyPath: env.GITHUB_APP_PRIVATE_KEY_PATH } : {}),
      ...(env.GITHUB_APP_INSTALLATION_ID ? { installationId: Number(env.GITHUB_APP_INSTALLATION_ID) } : {}),
      ...(env.GITHUB_APP_CLIENT_SECRET ? { clientSecret: env.GITHUB_APP_CLIENT_SECRET } : {}),
      ...(env.GITHUB_APP_SLUG ? { slug: env.GITHUB_APP_SLUG.trim() } : {}),
      ...(env.GITHUB_WEB_URL ? { webUrl: env.GITHUB_WEB_URL.trim() } : {}),
      ...(webhookSecrets.length ? { webhookSecrets } : {}),
      ...(env.GITHUB_APP_ALLOW_HTTP === '1' || env.GITHUB_APP_ALLOW_HTTP === 'true' ? { allowHttp: true } : {}),
    },
    'env GITHUB_APP_*',
  );
}

/** All sources in order: the config file's (`HUBGATE_GITHUB_CONFIG`), then the system app from env. First match wins. */
export function loadCredentialSources(env: NodeJS.ProcessEnv = process.env): CredentialSourceConfig[] {
  const sources = env.HUBGATE_GITHUB_CONFIG ? readConfigFile(env.HUBGATE_GITHUB_CONFIG) : [];
  const system = systemSourceFromEnv(env);
  if (system) sources.push(system);
  return sources;
}
