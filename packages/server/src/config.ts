import { readFileSync } from 'node:fs';
import { parsePrivateKey, webUrlFor } from '@hubgate/github-auth';
import type { GitHubAppSettings } from './apps/github-app-settings.js';
import { checkPatterns, defaultRepoNamePatterns, type RepoNamePatterns } from './projects/repo-naming.js';
import { decodeSecretKey } from './sealing/secret-sealer.js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const optional = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: optional.pipe(z.string().url().optional()),
  HUBGATE_DATA_DIR: z.string().default('.data'),
  REDIS_URL: optional.pipe(z.string().url().optional()),
  HUBGATE_CACHE_KEY: optional,
  /** 32 bytes (hex or base64): seals user grants at rest */
  HUBGATE_SECRET_KEY: optional,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` or `pretty` (default: pretty on a terminal, JSON otherwise); read by the logger */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),

  GITHUB_APP_ID: optional.pipe(z.string().regex(/^\d+$/, 'must be the numeric App ID').optional()),
  GITHUB_APP_CLIENT_ID: optional,
  GITHUB_APP_CLIENT_SECRET: optional,
  GITHUB_APP_SLUG: optional,
  GITHUB_APP_PRIVATE_KEY: optional,
  GITHUB_APP_PRIVATE_KEY_PATH: optional,
  GITHUB_APP_WEBHOOK_SECRET: optional,
  /** the previous secret, accepted while a rotation is under way */
  GITHUB_APP_WEBHOOK_SECRET_PREVIOUS: optional,
  GITHUB_API_URL: optional.pipe(z.string().url().optional()),
  GITHUB_WEB_URL: optional.pipe(z.string().url().optional()),

  OIDC_ISSUER: optional.pipe(z.string().url().optional()),
  OIDC_CLIENT_ID: optional,
  OIDC_CLIENT_SECRET: optional,
  OIDC_ORG_CLAIM: z.string().default('org_id'),
  OIDC_ROLE_CLAIM: z.string().default('role'),
  OIDC_ADMIN_ROLE: z.string().default('admin'),
  /** the claim with the organization's display name */
  OIDC_ORG_NAME_CLAIM: z.string().default('org_name'),
  /** the audience API bearer tokens must carry (default: OIDC_CLIENT_ID) */
  OIDC_API_AUDIENCE: optional,
  /** when set, /metrics answers only `Authorization: Bearer <token>` */
  HUBGATE_METRICS_TOKEN: optional,
  /** broker calls allowed per agent key and minute (shared through Redis when REDIS_URL is set) */
  HUBGATE_AGENT_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** a token is handed to an agent only once it is this old (GitHub may refuse a token for a moment after its mint) */
  HUBGATE_TOKEN_MIN_AGE_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  /** days the broker's hand-out log (leases, issuance audit rows) is kept; older rows are pruned in small batches */
  HUBGATE_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(90),
  /** the product's name on the settings pages */
  HUBGATE_PRODUCT_NAME: z.string().default('hubgate'),
  /** `off`: with no GitHub App configured, serve the first-run page (register the app) instead of the sandbox */
  HUBGATE_SANDBOX: z.enum(['on', 'off']).default('on'),
  /** first run only: the token that opens the first-run page (default: a random one, written to HUBGATE_DATA_DIR) */
  HUBGATE_SETUP_TOKEN: optional.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /** sandbox only: fixed ports for the simulated GitHub and the demo OpenID provider (random by default) */
  HUBGATE_SANDBOX_GITHUB_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  HUBGATE_SANDBOX_OIDC_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** tenant GitHub hosts allowed although private or loopback (comma-separated `host` or `host:port`); http only for these */
  HUBGATE_ALLOWED_PRIVATE_HOSTS: z.string().default(''),
  /** how often the reconcile job runs (0: never by itself; `hubgate reconcile` and the admin action still work) */
  HUBGATE_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
  /** how long a replica may take to apply a webhook delivery before another (or its own restart) takes it again */
  HUBGATE_WEBHOOK_LEASE_SECONDS: z.coerce.number().int().min(5).max(3_600).default(60),
  /** the deployment's own endpoint for repository events of every tenant's projects (docs/events.md); https */
  HUBGATE_EVENTS_URL: optional.pipe(z.string().url().optional()),
  /** its Standard Webhooks secret (`whsec_` and base64); two, comma-separated, during a rotation (both sign) */
  HUBGATE_EVENTS_SECRET: optional,
  /** how long an event is retried before it becomes a dead letter, in hours (default 72) */
  HUBGATE_EVENTS_RETRY_HOURS: z.coerce.number().min(0.01).max(720).default(72),
  /** a push GitHub has not delivered within this many seconds is found by the events reconcile (default 300) */
  HUBGATE_EVENTS_STALE_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  /** how long a replica holds an event it is sending before another may take it (it died), in seconds (default 60) */
  HUBGATE_EVENTS_LEASE_SECONDS: z.coerce.number().int().min(5).max(3_600).default(60),
  /** megabytes of webhook bodies held at once before their signatures are checked; beyond it, 503 with Retry-After */
  HUBGATE_WEBHOOK_BUFFER_MB: z.coerce.number().int().min(25).max(4_096).default(100),
  /** repository name of each kind of project; `{slug}` is the project's slug (docs/projects.md) */
  HUBGATE_REPO_NAME_PROJECT: z.string().default(defaultRepoNamePatterns.project),
  HUBGATE_REPO_NAME_TEAM: z.string().default(defaultRepoNamePatterns.team),
  HUBGATE_REPO_NAME_GUIDE: z.string().default(defaultRepoNamePatterns.guide),
});

export type Env = z.output<typeof envSchema>;


export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  orgClaim: string;
  orgNameClaim: string;
  roleClaim: string;
  adminRole: string;
  apiAudience?: string;
}

/** The configuration as loaded once at start; frozen, never patched (the sandbox returns what it resolved). */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** PUBLIC_URL when set; otherwise derived from the port the server really listens on */
  readonly publicUrl?: string;
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly redisUrl?: string;
  readonly cacheKey?: string;
  readonly secretKey?: string;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly productName: string;
  readonly metricsToken?: string;
  readonly reconcileIntervalSeconds: number;
  readonly webhookLeaseSeconds: number;
  /** repository events for the product (docs/events.md) */
  readonly events: {
    readonly deployment: { readonly url: string; readonly secrets: readonly string[] } | null;
    readonly retryWindowMs: number;
    readonly staleAfterMs: number;
    /** how long a replica holds an event it is sending (`HUBGATE_EVENTS_LEASE_SECONDS`) */
    readonly leaseMs: number;
  };
  readonly webhookBufferBytes: number;
  readonly allowedPrivateHosts: readonly string[];
  readonly sandboxPorts: { readonly github: number; readonly oidc: number };
  /** false (`HUBGATE_SANDBOX=off`): no app configured means the first-run page, not the sandbox */
  readonly sandbox: boolean;
  /** the first-run page's token when the operator chose it */
  readonly setupToken?: string;
  /** broker calls per agent key and minute */
  readonly agentRateLimit: number;
  /** the youngest token the broker hands out, in ms */
  readonly tokenMinAgeMs: number;
  /** how long hand-out records are kept */
  readonly auditRetentionDays: number;
  readonly repoNamePatterns: Readonly<RepoNamePatterns>;
  /** absent: the sandbox (simulator and demo app) */
  readonly github?: Readonly<GitHubAppSettings>;
  /** absent: the sandbox's local OpenID provider */
  readonly oidc?: Readonly<OidcConfig>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * An optional file (`HUBGATE_CONFIG_FILE`, YAML or JSON) with the same names as the environment variables;
 * the environment wins where both set a value.
 */
export function withConfigFile(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const path = env.HUBGATE_CONFIG_FILE?.trim();
  if (!path) return env;
  let document: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    document = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError([`HUBGATE_CONFIG_FILE: cannot read ${path} (${(error as Error).message.split('\n')[0]})`]);
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([`HUBGATE_CONFIG_FILE: ${path} must hold a mapping of setting names to values`]);
  }
  const known = new Set(Object.keys(envSchema.shape));
  const problems: string[] = [];
  const fromFile: Record<string, string> = {};
  for (const [key, value] of Object.entries(document)) {
    if (!known.has(key)) problems.push(`HUBGATE_CONFIG_FILE: unknown setting ${key}`);
    else if (value !== null && typeof value === 'object') problems.push(`HUBGATE_CONFIG_FILE: ${key} must be a plain value`);
    else fromFile[key] = String(value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const merged: NodeJS.ProcessEnv = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[key] = value;
  return merged;
}

/** Reads the whole configuration once, at start (env, and the optional file), and lists every problem at once. */
export function loadConfig(
  rawEnv: NodeJS.ProcessEnv = process.env,
  /** `requireSignIn: false`: doctor checks a GitHub App whose sign-in settings it has set aside for their problems */
  options: { requireSignIn?: boolean } = {},
): ServerConfig {
  const env = withConfigFile(rawEnv);
  const parsed = envSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = parsed.data;
  const problems: string[] = [];
  const eventSecrets = (e.HUBGATE_EVENTS_SECRET ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (e.HUBGATE_EVENTS_URL && eventSecrets.length === 0)
    problems.push('HUBGATE_EVENTS_SECRET: required with HUBGATE_EVENTS_URL (events are signed)');
  if (eventSecrets.some((v) => !/^whsec_[A-Za-z0-9+/]{20,}={0,2}$/.test(v)))
    problems.push('HUBGATE_EVENTS_SECRET: must be whsec_ followed by base64 (a Standard Webhooks secret)');

  let github: GitHubAppSettings | undefined;
  const anyGitHub = [
    e.GITHUB_APP_ID,
    e.GITHUB_APP_CLIENT_ID,
    e.GITHUB_APP_PRIVATE_KEY,
    e.GITHUB_APP_PRIVATE_KEY_PATH,
  ].some(Boolean);
  if (anyGitHub) {
    if (!e.GITHUB_APP_CLIENT_ID) problems.push('GITHUB_APP_CLIENT_ID: required (OAuth and the JWT issuer)');
    if (!e.GITHUB_APP_CLIENT_SECRET)
      problems.push('GITHUB_APP_CLIENT_SECRET: required (user authorization proves who installed)');
    if (!e.GITHUB_APP_SLUG)
      problems.push('GITHUB_APP_SLUG: required (the install page is /apps/<slug>/installations/new)');
    if (!e.GITHUB_APP_PRIVATE_KEY && !e.GITHUB_APP_PRIVATE_KEY_PATH)
      problems.push('GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_PATH: required');
    if (!e.GITHUB_APP_WEBHOOK_SECRET)
      problems.push('GITHUB_APP_WEBHOOK_SECRET: required (webhooks are refused unsigned)');
    if (!e.HUBGATE_SECRET_KEY)
      problems.push(
        'HUBGATE_SECRET_KEY: required with a real app (seals user tokens at rest; openssl rand -hex 32)',
      );
    const apiUrl = (e.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
    github = {
      key: 'system',
      appId: e.GITHUB_APP_ID ? Number(e.GITHUB_APP_ID) : undefined,
      clientId: e.GITHUB_APP_CLIENT_ID ?? '',
      clientSecret: e.GITHUB_APP_CLIENT_SECRET ?? '',
      slug: e.GITHUB_APP_SLUG ?? '',
      privateKey: e.GITHUB_APP_PRIVATE_KEY,
      privateKeyPath: e.GITHUB_APP_PRIVATE_KEY_PATH,
      webhookSecrets: [e.GITHUB_APP_WEBHOOK_SECRET, e.GITHUB_APP_WEBHOOK_SECRET_PREVIOUS].filter(
        (s): s is string => Boolean(s),
      ),
      apiUrl,
      webUrl: (e.GITHUB_WEB_URL ?? webUrlFor(apiUrl)).replace(/\/+$/, ''),
    };
  }

  let oidc: OidcConfig | undefined;
  if (e.OIDC_ISSUER || e.OIDC_CLIENT_ID) {
    if (!e.OIDC_ISSUER) problems.push('OIDC_ISSUER: required with OIDC_CLIENT_ID');
    if (!e.OIDC_CLIENT_ID) problems.push('OIDC_CLIENT_ID: required with OIDC_ISSUER');
    if (!e.OIDC_CLIENT_SECRET) problems.push('OIDC_CLIENT_SECRET: required');
    oidc = {
      issuer: e.OIDC_ISSUER ?? '',
      clientId: e.OIDC_CLIENT_ID ?? '',
      clientSecret: e.OIDC_CLIENT_SECRET ?? '',
      orgClaim: e.OIDC_ORG_CLAIM,
      orgNameClaim: e.OIDC_ORG_NAME_CLAIM,
      apiAudience: e.OIDC_API_AUDIENCE,
      roleClaim: e.OIDC_ROLE_CLAIM,
      adminRole: e.OIDC_ADMIN_ROLE,
    };
  }
  if (github && !oidc && options.requireSignIn !== false)
    problems.push(
      'OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: required with a real GitHub App (the demo sign-in is for the sandbox only)',
    );
  if (e.REDIS_URL && !e.HUBGATE_CACHE_KEY)
    problems.push('HUBGATE_CACHE_KEY: required with REDIS_URL (tokens in Redis are encrypted)');
  // The key is parsed now, so a bad one is reported with every other problem, not on the first token request.
  if (github && (github.privateKey || github.privateKeyPath)) {
    const variable = github.privateKey ? 'GITHUB_APP_PRIVATE_KEY' : 'GITHUB_APP_PRIVATE_KEY_PATH';
    try {
      parsePrivateKey(github.privateKey ?? readFileSync(github.privateKeyPath!, 'utf8'));
    } catch (error) {
      problems.push(`${variable}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  if (e.DATABASE_URL && !/^postgres(ql)?:$/.test(new URL(e.DATABASE_URL).protocol))
    problems.push('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  if (e.REDIS_URL && !/^rediss?:$/.test(new URL(e.REDIS_URL).protocol))
    problems.push('REDIS_URL: must be a redis:// or rediss:// URL');
  if (e.HUBGATE_SECRET_KEY && !decodeSecretKey(e.HUBGATE_SECRET_KEY))
    problems.push('HUBGATE_SECRET_KEY: must be 32 bytes, as 64 hex characters or base64 (openssl rand -hex 32)');
  if (e.HUBGATE_CACHE_KEY && !decodeSecretKey(e.HUBGATE_CACHE_KEY))
    problems.push('HUBGATE_CACHE_KEY: must be 32 bytes, as 64 hex characters or base64 (openssl rand -hex 32)');
  const repoNamePatterns = { project: e.HUBGATE_REPO_NAME_PROJECT, team: e.HUBGATE_REPO_NAME_TEAM, guide: e.HUBGATE_REPO_NAME_GUIDE };
  for (const kind of ['project', 'team', 'guide'] as const) {
    try {
      checkPatterns({ ...defaultRepoNamePatterns, [kind]: repoNamePatterns[kind] });
    } catch (error) {
      problems.push(`HUBGATE_REPO_NAME_${kind.toUpperCase()}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.HUBGATE_DATA_DIR,
    redisUrl: e.REDIS_URL,
    cacheKey: e.HUBGATE_CACHE_KEY,
    secretKey: e.HUBGATE_SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    productName: e.HUBGATE_PRODUCT_NAME,
    metricsToken: e.HUBGATE_METRICS_TOKEN,
    reconcileIntervalSeconds: e.HUBGATE_RECONCILE_INTERVAL_SECONDS,
    webhookLeaseSeconds: e.HUBGATE_WEBHOOK_LEASE_SECONDS,
    events: Object.freeze({
      deployment: e.HUBGATE_EVENTS_URL ? Object.freeze({ url: e.HUBGATE_EVENTS_URL, secrets: Object.freeze(eventSecrets) }) : null,
      retryWindowMs: e.HUBGATE_EVENTS_RETRY_HOURS * 3_600_000,
      staleAfterMs: e.HUBGATE_EVENTS_STALE_SECONDS * 1000,
      leaseMs: e.HUBGATE_EVENTS_LEASE_SECONDS * 1000,
    }),
    webhookBufferBytes: e.HUBGATE_WEBHOOK_BUFFER_MB * 1024 * 1024,
    sandboxPorts: { github: e.HUBGATE_SANDBOX_GITHUB_PORT, oidc: e.HUBGATE_SANDBOX_OIDC_PORT },
    sandbox: e.HUBGATE_SANDBOX === 'on',
    setupToken: e.HUBGATE_SETUP_TOKEN,
    allowedPrivateHosts: e.HUBGATE_ALLOWED_PRIVATE_HOSTS.split(',').map((h) => h.trim()).filter(Boolean),
    agentRateLimit: e.HUBGATE_AGENT_RATE_LIMIT,
    tokenMinAgeMs: e.HUBGATE_TOKEN_MIN_AGE_MS,
    auditRetentionDays: e.HUBGATE_AUDIT_RETENTION_DAYS,
    repoNamePatterns: Object.freeze(repoNamePatterns),
    github: github && Object.freeze(github),
    oidc: oidc && Object.freeze(oidc),
  });
}

