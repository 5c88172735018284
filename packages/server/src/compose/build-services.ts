import type { Clock, RedisTokenStore } from '@hubgate/github-auth';
import type { Hono } from 'hono';
import { AppRegistry } from '../apps/app-registry.js';
import type { GitHubAppSettings } from '../apps/github-app-settings.js';
import type { OidcConfig, ServerConfig } from '../config.js';
import { AgentKeyService } from '../broker/agent-key-service.js';
import { createBrokerMetrics } from '../broker/broker-metrics.js';
import { type KeyRateLimiter, MemoryRateLimiter, RedisRateLimiter } from '../broker/key-rate-limiter.js';
import { TokenBroker } from '../broker/token-broker.js';
import { BrokerRetention } from '../broker/broker-retention.js';
import { ConnectService } from '../connect/connect-service.js';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { createApp } from '../http/create-app.js';
import { agentKeysApi, agentTokensApi } from '../http/routes/agent-keys-api.js';
import { brokerApi } from '../http/routes/broker-api.js';
import { projectsApi } from '../http/routes/projects-api.js';
import { BearerTokens } from '../identity/bearer-tokens.js';
import { OidcLogin } from '../identity/oidc-login.js';
import { SessionStore } from '../stores/session-store.js';
import { InstallationLifecycle } from '../installations/installation-lifecycle.js';
import type { Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { ReconcileJob } from '../reconcile/reconcile-job.js';
import { RestoreAccess, type RestoreOptions } from '../reconnect/restore-access.js';
import { createReconcileMetrics } from '../reconcile/reconcile-metrics.js';
import { reconcileApi, reconcileRunsPerMinute } from '../http/routes/reconcile-api.js';
import { tenantAppApi, tenantManifestReturn } from '../http/routes/tenant-app-api.js';
import { TenantAppService } from '../tenant-apps/tenant-app-service.js';
import { TenantAppSource } from '../tenant-apps/tenant-app-source.js';
import { ProjectService, type ProjectServiceOptions } from '../projects/project-service.js';
import { decodeSecretKey, SecretSealer } from '../sealing/secret-sealer.js';
import { TokenRevocationStore } from '../stores/token-revocation-store.js';
import { WebhookHandlers } from '../webhooks/webhook-handlers.js';
import { WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { guardedFetch } from '../apps/outbound-guard.js';
import { trustPoliciesApi } from '../http/routes/trust-policies-api.js';
import { mcpRoute } from '../http/routes/mcp-route.js';
import { IssuerKeys } from '../workload/issuer-keys.js';
import { TokenExchange } from '../workload/token-exchange.js';
import { TrustPolicyCache } from '../workload/trust-policy-cache.js';
import { TrustPolicyService } from '../workload/trust-policy-service.js';
import { EventDispatcher, type DispatcherOptions } from '../events/event-dispatcher.js';
import { EventIntake } from '../events/event-intake.js';
import { EventReconcile } from '../events/event-reconcile.js';
import { EventSettingsService } from '../events/event-settings-service.js';
import { LocalHandlers } from '../events/local-handlers.js';
import { EventEndpointStore } from '../stores/event-endpoint-store.js';
import { eventsApi } from '../http/routes/events-api.js';

export interface ServiceInputs {
  db: Database;
  dbKind: 'pglite' | 'postgres';
  url: string;
  config: ServerConfig;
  github: Readonly<GitHubAppSettings>;
  oidc: Readonly<OidcConfig>;
  secretKey: string;
  redis: RedisTokenStore | null;
  logger: Logger;
  clock: Clock;
  fetch: typeof fetch;
  productName: string;
  githubRetryBaseMs?: number;
  restore?: RestoreOptions;
  /** how long an admin waits on GitHub in one connect step (8.9: about 15 s; tests shorten it) */
  connectDeadlineMs?: number;
  /** repository name patterns, pacing (tests shorten it) */
  projects?: Omit<ProjectServiceOptions, 'productName'>;
  /** the sandbox's demo workload issuer, served at /sandbox/workload (sandbox/demo-workload-issuer.ts) */
  demoWorkloadIssuer?: { issuer: string; app: Hono<AppEnv> };
  /** the event dispatcher's timings (tests shorten them) */
  events?: DispatcherOptions;
}

export interface Services {
  app: Hono<AppEnv>;
  apps: AppRegistry;
  lifecycle: InstallationLifecycle;
  connect: ConnectService;
  receiver: WebhookReceiver;
  sealer: SecretSealer;
  metrics: Metrics;
  reconcile: ReconcileJob;
  restore: RestoreAccess;
  agentKeys: AgentKeyService;
  broker: TokenBroker;
  /** prunes the hand-out log and revokes tokens whose short-lived leases have all ended */
  retention: BrokerRetention;
  /** what the services hold open beyond the database (the broker's Redis rate limiter) */
  close(): Promise<void>;
  projects: ProjectService;
  /** repository events of the projects, in process: `hub.events.on('push', handler)` (docs/events.md) */
  events: LocalHandlers;
  /** sends the event outbox (started with the service) */
  eventDispatcher: EventDispatcher;
  /** finds pushes GitHub has not delivered within the bound (run by the reconcile timer) */
  eventReconcile: EventReconcile;
}

/** Builds every service once, each given its side effects (database, clock, fetch, logger) as options. */
export function buildServices(input: ServiceInputs): Services {
  const now = () => new Date(input.clock.now());
  const key = decodeSecretKey(input.secretKey);
  if (!key) throw new Error('HUBGATE_SECRET_KEY: must be 32 bytes, as 64 hex characters or base64');
  const sealer = new SecretSealer(key);
  const revocations = new TokenRevocationStore(input.db, sealer);
  const apps = new AppRegistry(
    { ...input.github, webhookSecrets: [...input.github.webhookSecrets] },
    {
      redis: input.redis,
      logger: input.logger,
      clock: input.clock,
      fetch: input.fetch,
      retryBaseMs: input.githubRetryBaseMs,
      onRevocationFailure: (appKey, failure) =>
        revocations.add(appKey, failure.installationId, failure.token, new Date(failure.expiresAt), failure.reason),
    },
    { allowedPrivateHosts: [...input.config.allowedPrivateHosts] },
  );
  apps.useSource(new TenantAppSource(input.db, sealer));
  const tenantApps = new TenantAppService(input.db, apps, sealer, input.url, now, input.fetch);
  const metrics = createMetrics(() => apps.system.tokens);
  const lifecycle = new InstallationLifecycle(input.db, apps, input.logger, now);
  const restore = new RestoreAccess(input.db, apps, sealer, input.logger, now, input.restore);
  const connect = new ConnectService(input.db, apps, lifecycle, sealer, input.url, now, restore, input.connectDeadlineMs);
  const events = new LocalHandlers();
  const deploymentEndpoint = input.config.events.deployment;
  const outboundPolicy = { allowedPrivateHosts: [...input.config.allowedPrivateHosts] };
  const eventDispatcher = new EventDispatcher(
    input.db,
    events,
    new EventEndpointStore(input.db, sealer),
    guardedFetch(outboundPolicy, input.fetch),
    input.fetch,
    input.logger,
    now,
    {
      deployment: deploymentEndpoint && { url: deploymentEndpoint.url, secrets: [...deploymentEndpoint.secrets] },
      leaseMs: input.config.events.leaseMs,
      ...input.events,
      schedule: { windowMs: input.config.events.retryWindowMs, ...input.events?.schedule },
    },
  );
  const intake = new EventIntake(input.db, events, Boolean(deploymentEndpoint));
  const receiver = new WebhookReceiver(input.db, new WebhookHandlers(input.db, apps, lifecycle, sealer), input.logger, metrics, now, {
    leaseMs: input.config.webhookLeaseSeconds * 1000,
    intake,
    onOutbox: () => eventDispatcher.wake(),
  });
  const eventSettings = new EventSettingsService(input.db, sealer, outboundPolicy, Boolean(deploymentEndpoint), now, (org) => eventDispatcher.endpointChanged(org));
  const eventReconcile = new EventReconcile(input.db, apps, intake, input.logger, now, input.config.events.staleAfterMs, () => eventDispatcher.wake());
  const sessions = new SessionStore(input.db, now);
  const reconcile = new ReconcileJob(input.db, input.dbKind, apps, lifecycle, receiver, createReconcileMetrics(metrics.registry), sealer, input.logger, now);
  const projects = new ProjectService(
    { db: input.db, apps, sealer, logger: input.logger, now },
    { productName: input.productName, ...input.projects },
  );

  let loginPromise: Promise<OidcLogin> | null = null;
  const login = () => {
    loginPromise ??= OidcLogin.discover(input.oidc, `${input.url}/auth/callback`, { sealer, now: () => input.clock.now() }).catch((error) => {
      loginPromise = null;
      throw error;
    });
    return loginPromise;
  };
  const bearer = new BearerTokens(input.oidc, async () => (await login()).jwksUri);

  const broker = new TokenBroker({
    db: input.db,
    apps,
    sealer,
    revocations,
    logger: input.logger,
    now,
    minTokenAgeMs: input.config.tokenMinAgeMs,
  });
  const agentKeys = new AgentKeyService(input.db, broker, now);
  const retention = new BrokerRetention(input.db, broker, input.logger, now, { retentionDays: input.config.auditRetentionDays });
  // One limit per agent key for the whole fleet when Redis is there; per replica otherwise (docs/broker.md).
  const limiter: KeyRateLimiter = input.config.redisUrl
    ? new RedisRateLimiter(input.config.redisUrl, input.config.agentRateLimit, input.logger)
    : new MemoryRateLimiter(input.config.agentRateLimit);
  // Issuers are tenants' input: their discovery documents and keys are fetched through the outbound guard. The
  // sandbox's own demo issuer is on this (loopback) host: allowed there, and only there.
  const issuerHosts = [...input.config.allowedPrivateHosts, ...(input.demoWorkloadIssuer ? [new URL(input.demoWorkloadIssuer.issuer).host] : [])];
  const issuerKeys = new IssuerKeys(guardedFetch({ allowedPrivateHosts: issuerHosts }, input.fetch ?? fetch), () => input.clock.now());
  const policyCache = new TrustPolicyCache(input.db, () => input.clock.now());
  const exchange = new TokenExchange(policyCache, broker, issuerKeys, input.url, () => input.clock.now());
  const trustPolicies = new TrustPolicyService(input.db, broker, input.url, issuerHosts, now, policyCache);
  const reconcileLimiter: KeyRateLimiter = input.config.redisUrl
    ? new RedisRateLimiter(input.config.redisUrl, reconcileRunsPerMinute, input.logger, 'hubgate:reconcile-rate:')
    : new MemoryRateLimiter(reconcileRunsPerMinute);

  const app = createApp({
    db: input.db,
    publicUrl: input.url,
    productName: input.productName,
    logger: input.logger,
    metrics,
    metricsToken: input.config.metricsToken,
    apps,
    sessions,
    login,
    bearer,
    connect,
    restore,
    receiver,
    webhookBufferBytes: input.config.webhookBufferBytes,
    mounts: [
      { path: '/api/github/reconcile', app: reconcileApi({ reconcile, publicUrl: input.url, limiter: reconcileLimiter, nowMs: () => now().getTime() }) },
      { path: '/api/github/app', app: tenantAppApi({ tenantApps, publicUrl: input.url }) },
      { path: '/github/app-manifest', app: tenantManifestReturn({ tenantApps }) },
      { path: '/api/projects', app: projectsApi({ projects, publicUrl: input.url }) },
      { path: '/api/agent-keys', app: agentKeysApi({ keys: agentKeys, publicUrl: input.url }) },
      { path: '/api/agent-tokens', app: agentTokensApi({ broker, publicUrl: input.url }) },
      { path: '/api/events', app: eventsApi({ events: eventSettings, publicUrl: input.url }) },
      { path: '/api/trust-policies', app: trustPoliciesApi({ policies: trustPolicies, publicUrl: input.url }) },
      ...(input.demoWorkloadIssuer ? [{ path: '/sandbox/workload', app: input.demoWorkloadIssuer.app }] : []),
      { path: '/mcp', app: mcpRoute({ exchange, db: input.db, broker, apps, limiter, nowMs: () => input.clock.now(), version: '0.1.0' }), authenticates: true },
      {
        path: '/api/v1',
        app: brokerApi({ broker, exchange, limiter, metrics: createBrokerMetrics(metrics.registry), nowMs: () => input.clock.now() }),
        authenticates: true,
      },
    ],
  });
  return {
    app,
    apps,
    lifecycle,
    connect,
    receiver,
    sealer,
    metrics,
    reconcile,
    restore,
    agentKeys,
    broker,
    retention,
    projects,
    events,
    eventDispatcher,
    eventReconcile,
    close: async () => {
      await Promise.all([limiter.close(), reconcileLimiter.close()]);
    },
  };
}
