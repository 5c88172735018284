import { z } from 'zod';

/**
 * The JSON API's contract, written once: the request bodies the routes validate and the answers they send, as zod
 * schemas. The server's routes and views are typed with the inferred types (a change that breaks the contract breaks
 * compilation); the settings UI (`packages/web`) imports the types only (`@hubgate/server/api-contract`, a types-only
 * export: nothing of the server reaches the browser bundle); the contract test parses every answer the UI reads
 * with these schemas, strictly, so a field sent but not written here fails too (docs/ui.md "The API contract").
 * Only zod is imported here, so the types carry nothing of the server with them.
 */

// ---- shared pieces
export const projectKinds = ['project', 'team', 'guide'] as const;
export type ProjectKind = (typeof projectKinds)[number];

const isoDate = z.iso.datetime();
/**
 * A name a person typed: trimmed, bounded, and free of control characters (PostgreSQL refuses a NUL) and of
 * bidirectional formatting characters (they make a name read as another one).
 */
export const plainText = (empty: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, empty)
    .max(max, `must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    .refine((v) => !/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(v), {
      message: 'must not contain control or bidirectional formatting characters',
    });
export const accountSchema = z.strictObject({ login: z.string(), type: z.enum(['Organization', 'User']) });
export type Account = z.infer<typeof accountSchema>;

/** Every refused call: `{ error: { code, message, ... } }` (errors/error-response.ts). */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    /** 422 on project create: a free name on GitHub */
    suggestion: z.string().optional(),
    /** 403 on project create: where the owner accepts the missing permission */
    acceptUrl: z.string().optional(),
    /** where "Try again" leads (a connect step that met GitHub's trouble) */
    retryUrl: z.string().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof errorBodySchema>;

// ---- /api/session, /auth/logout
export const sessionSchema = z.discriminatedUnion('signedIn', [
  z.strictObject({ signedIn: z.literal(false), productName: z.string() }),
  z.strictObject({
    signedIn: z.literal(true),
    user: z.strictObject({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }),
    organization: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
    organizationId: z.string().nullable(),
    role: z.string().nullable(),
    isAdmin: z.boolean(),
    csrfToken: z.string(),
    productName: z.string(),
  }),
]);
export type Session = z.infer<typeof sessionSchema>;
export type SignedInSession = Extract<Session, { signedIn: true }>;
/** `next`: the identity provider's end-session URL, or a path of hubgate's own */
export const signOutResultSchema = z.strictObject({ signedOut: z.literal(true), next: z.string() });
export type SignOutResult = z.infer<typeof signOutResultSchema>;

// ---- /api/github/reconnect (reconnect/restore-access.ts)
export const reconnectItemResults = ['pending', 'restored', 'missing', 'deleted', 'moved'] as const;
/** `pending` while the restore job has not reached the item yet */
export type ReconnectItemResult = (typeof reconnectItemResults)[number];
export const reconnectResultSchema = z.strictObject({
  status: z.enum(['none', 'running', 'done']),
  progress: z.strictObject({ done: z.number().int(), total: z.number().int() }),
  items: z.array(
    z.strictObject({
      projectId: z.string(),
      name: z.string(),
      /** `fullName` is null for a repository hubgate never learnt the name of */
      repository: z.strictObject({ id: z.number().int(), fullName: z.string().nullable() }),
      result: z.enum(reconnectItemResults),
      selectUrl: z.string().optional(),
    }),
  ),
});
export type ReconnectResult = z.infer<typeof reconnectResultSchema>;

// ---- /api/github/connection (connect/connection-view.ts), connect, claim, disconnect
export const connectionStates = ['disconnected', 'connected', 'suspended', 'uninstalled', 'previously_connected'] as const;
export type ConnectionState = (typeof connectionStates)[number];
const notConnected = z.strictObject({
  state: z.enum(['disconnected', 'previously_connected']),
  connected: z.literal(false),
  canManage: z.boolean(),
  /** installations of the app no tenant claimed yet (admins only; empty for members) */
  claimable: z.array(z.strictObject({ installationId: z.number().int(), account: accountSchema })),
  previous: z
    .strictObject({ account: accountSchema, disconnectedAt: isoDate, reason: z.enum(['disconnected', 'uninstalled']) })
    .nullable(),
});
const connected = z.strictObject({
  state: z.enum(['connected', 'suspended']),
  connected: z.literal(true),
  canManage: z.boolean(),
  installationId: z.number().int(),
  account: accountSchema,
  installedAt: isoDate,
  suspended: z.boolean(),
  suspendedAt: isoDate.nullable(),
  repositorySelection: z.enum(['all', 'selected']),
  warning: z.string().nullable(),
  /** `name: level` of each permission hubgate needs and the installation lacks */
  missingPermissions: z.array(z.string()),
  pendingPermissions: z.strictObject({ permissions: z.record(z.string(), z.string()), acceptUrl: z.string() }).nullable(),
  manageUrl: z.string(),
});
export const connectionViewSchema = z.discriminatedUnion('connected', [notConnected, connected]);
/** What `connectionView` builds; the route adds the restore result. */
export type ConnectionView = z.infer<typeof connectionViewSchema>;
export const connectionSchema = z.discriminatedUnion('connected', [
  notConnected.extend({ reconnect: z.null() }),
  connected.extend({ reconnect: reconnectResultSchema.nullable() }),
]);
export type Connection = z.infer<typeof connectionSchema>;

export const connectResultSchema = z.strictObject({ installUrl: z.string() });
export type ConnectResult = z.infer<typeof connectResultSchema>;
export const claimBodySchema = z.strictObject({ installationId: z.number().int().positive() });
export type ClaimBody = z.input<typeof claimBodySchema>;
export const claimResultSchema = z.strictObject({ authorizeUrl: z.string() });
export type ClaimResult = z.infer<typeof claimResultSchema>;
export const disconnectBodySchema = z.strictObject({ uninstall: z.boolean().default(false) });
export type DisconnectBody = z.input<typeof disconnectBodySchema>;
export const disconnectResultSchema = z.strictObject({
  disconnected: z.literal(true),
  revokedTokens: z.number().int(),
  uninstalled: z.boolean(),
});
export type DisconnectResult = z.infer<typeof disconnectResultSchema>;

// ---- /api/projects (projects/project-view.ts)
export const repositoryAccesses = ['reachable', 'missing', 'deleted', 'moved', 'unknown'] as const;
export type RepositoryAccess = (typeof repositoryAccesses)[number];
export const projectSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  kind: z.enum(projectKinds),
  createdAt: isoDate,
  /** id, name and URL are null until GitHub has created the repository (or for one hubgate never learnt) */
  repository: z.strictObject({
    id: z.number().int().nullable(),
    fullName: z.string().nullable(),
    htmlUrl: z.string().nullable(),
    private: z.boolean(),
    access: z.enum(repositoryAccesses),
    checkedAt: isoDate.nullable(),
  }),
});
export type Project = z.infer<typeof projectSchema>;
export const projectListSchema = z.strictObject({ projects: z.array(projectSchema) });
export type ProjectList = z.infer<typeof projectListSchema>;
export const createProjectBodySchema = z.strictObject({
  name: plainText('must not be empty', 100),
  kind: z.enum(projectKinds).optional(),
});
export type CreateProjectBody = z.input<typeof createProjectBodySchema>;

// ---- /api/agent-keys (broker/agent-key-service.ts, broker/agent-grant.ts)
/**
 * What an agent may ask for beyond `metadata: read` (which every token carries): git needs `contents`; agents that
 * open pull requests or file issues need those. `administration` (creating repositories) and every other permission
 * the app holds stay with the service: no grant can name them.
 */
export const grantablePermissions = ['contents', 'pull_requests', 'issues'] as const;
export type GrantablePermission = (typeof grantablePermissions)[number];
const level = z.enum(['read', 'write']);
export const agentGrantPermissionsSchema = z.strictObject(
  { contents: level.optional(), pull_requests: level.optional(), issues: level.optional(), metadata: z.literal('read').optional() },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${issue.keys.join(', ')} refused: a grant may hold ${grantablePermissions.join(', ')} (read or write) and metadata (read) only`
        : undefined,
  },
);
export type AgentGrantPermissions = z.infer<typeof agentGrantPermissionsSchema>;
/** Which of the tenant's projects a key reaches: all of them, those listed (by project id), or those of some kinds. */
export const agentGrantProjectsSchema = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ ids: z.array(z.string().uuid('must be project ids')).min(1, 'name at least one project').max(500) }),
  z.strictObject({ kinds: z.array(z.enum(projectKinds)).min(1, 'name at least one kind').max(3) }),
]);
export type AgentGrantProjects = z.infer<typeof agentGrantProjectsSchema>;
/** GitHub's installation tokens live one hour; a grant may shorten how long a hand-out may be used. */
export const maxGrantLifetimeSeconds = 3600;
export const agentGrantSchema = z.strictObject({
  projects: agentGrantProjectsSchema,
  permissions: agentGrantPermissionsSchema,
  maxTokenLifetimeSeconds: z.number().int().min(60, 'at least 60 seconds').max(maxGrantLifetimeSeconds, 'at most 3600 seconds (GitHub\'s tokens live one hour)'),
});
export type AgentGrant = z.infer<typeof agentGrantSchema>;

export const agentKeySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
  revokedAt: isoDate.nullable(),
  /** when the key stops working by itself (null: until revoked) */
  expiresAt: isoDate.nullable(),
  grant: agentGrantSchema,
});
export type AgentKey = z.infer<typeof agentKeySchema>;
/** the key itself is sent once, in this answer */
export const createdAgentKeySchema = agentKeySchema.extend({ key: z.string() });
export type CreatedAgentKey = z.infer<typeof createdAgentKeySchema>;
export const agentKeyListSchema = z.strictObject({ keys: z.array(agentKeySchema) });
export type AgentKeyList = z.infer<typeof agentKeyListSchema>;
export const createAgentKeyBodySchema = z.strictObject({
  name: plainText('give the key a name', 100),
  /** omitted parts are the defaults: every project, contents write, one hour */
  grant: z
    .strictObject({
      projects: agentGrantProjectsSchema.optional(),
      permissions: agentGrantPermissionsSchema.optional(),
      maxTokenLifetimeSeconds: agentGrantSchema.shape.maxTokenLifetimeSeconds.optional(),
    })
    .optional(),
  /** an ISO date in the future, at most a year ahead */
  expiresAt: isoDate.optional(),
});
export type CreateAgentKeyBody = z.input<typeof createAgentKeyBodySchema>;
/** `tokensRevoked`: the live tokens the key held, revoked at GitHub; `tokensFailed`: those GitHub did not confirm */
export const revokedAgentKeySchema = z.strictObject({
  revoked: z.literal(true),
  tokensRevoked: z.number().int(),
  tokensFailed: z.number().int(),
});
export type RevokedAgentKey = z.infer<typeof revokedAgentKeySchema>;
/** `DELETE /api/agent-tokens`: the kill switch, every live token of the organization's agents */
export const revokedAgentTokensSchema = z.strictObject({ tokensRevoked: z.number().int(), tokensFailed: z.number().int() });
export type RevokedAgentTokens = z.infer<typeof revokedAgentTokensSchema>;

// ---- /api/trust-policies (workload/trust-policy-service.ts): workload identity, exchanged at /api/v1/tokens/exchange
/** a claim matcher: exact, or a glob where `*` is any run of characters */
const claimPattern = plainText('must not be empty', 500);
export const trustPolicySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  issuer: z.string(),
  /** the audience every ID token must carry for this tenant: `<PUBLIC_URL>/tenants/<organization id>` */
  audience: z.string(),
  subject: z.string(),
  claims: z.record(z.string(), z.string()),
  grant: agentGrantSchema,
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
});
export type TrustPolicy = z.infer<typeof trustPolicySchema>;
export const trustPolicyListSchema = z.strictObject({ audience: z.string(), policies: z.array(trustPolicySchema) });
export type TrustPolicyList = z.infer<typeof trustPolicyListSchema>;
export const createTrustPolicyBodySchema = z.strictObject({
  name: plainText('give the policy a name', 100),
  issuer: z.string().trim().url('must be the issuer URL, exactly as the ID token\'s iss').max(500),
  subject: claimPattern,
  claims: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/, 'claim names are letters, digits and _ . : -'), claimPattern)
    .refine((claims) => Object.keys(claims).length <= 20, 'at most 20 claims')
    .refine((claims) => !['iss', 'aud', 'sub', 'exp', 'nbf', 'iat'].some((name) => name in claims), 'iss, aud, sub, exp, nbf and iat are checked by the exchange itself')
    .optional(),
  grant: createAgentKeyBodySchema.shape.grant,
});
export type CreateTrustPolicyBody = z.input<typeof createTrustPolicyBodySchema>;

// ---- /api/github/app (tenant-apps/tenant-app-service.ts): fingerprints, never a secret
export const tenantAppSchema = z.strictObject({
  key: z.string(),
  apiUrl: z.string(),
  webUrl: z.string(),
  appId: z.number().int().nullable(),
  clientId: z.string().nullable(),
  slug: z.string().nullable(),
  urlPattern: z.string().nullable(),
  issuerIsAppId: z.boolean(),
  keyFingerprint: z.string().nullable(),
  webhookSecretFingerprint: z.string().nullable(),
  webhookUrl: z.string(),
  validatedAt: isoDate.nullable(),
  /** each permission hubgate needs and the app lacks */
  problems: z.array(z.string()),
});
export type TenantApp = z.infer<typeof tenantAppSchema>;
/** What the app on the tenant's host must be set up with (the manual registration copies them there). */
export const tenantAppSetupSchema = z.strictObject({ callbackUrl: z.string(), setupUrl: z.string(), webhookUrl: z.string() });
export type TenantAppSetup = z.infer<typeof tenantAppSetupSchema>;
export const tenantAppAnswerSchema = z.strictObject({ app: tenantAppSchema.nullable(), setup: tenantAppSetupSchema });
export type TenantAppAnswer = z.infer<typeof tenantAppAnswerSchema>;
export const savedTenantAppSchema = z.strictObject({ app: tenantAppSchema });

const url = z.string().url().max(300).transform((v) => v.replace(/\/+$/, ''));
/** A tenant's own app as an admin types it on the settings page (`PUT /api/github/app`). */
export const tenantAppInputSchema = z
  .strictObject({
    appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
    clientId: z.string().min(1).max(100).optional(),
    clientSecret: z.string().min(1).max(200).optional(),
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'slug: lower-case letters, digits and dashes').optional(),
    privateKey: z.string().min(1).max(20_000),
    apiUrl: url,
    webUrl: url.optional(),
    urlPattern: z.string().max(300).optional(),
    webhookSecret: z.string().min(16, 'webhookSecret: at least 16 characters').max(200),
    issuerIsAppId: z.boolean().optional(),
  })
  .refine((v) => v.appId || v.clientId, { message: 'clientId or appId is required', path: ['clientId'] });
/** `POST /api/github/app/manifest`: one-click registration on the tenant's host. */
export const startManifestBodySchema = z.strictObject({
  webUrl: z.string().url().max(300),
  apiUrl: z.string().url().max(300).optional(),
  organization: z.string().regex(/^[A-Za-z0-9-]{1,39}$/, 'organization: a GitHub login (letters, digits, dashes)').optional(),
});
export type StartManifestBody = z.input<typeof startManifestBodySchema>;
/** The browser posts `manifest` (JSON) to `postUrl?state=<state>`; the host sends it back to /github/app-manifest. */
export const startedManifestSchema = z.strictObject({ postUrl: z.string(), manifest: z.record(z.string(), z.unknown()), state: z.string() });
export type StartedManifest = z.infer<typeof startedManifestSchema>;
/** What the page sends: the fields, or Concord's secret (`import`) with the secrets Concord's format lacks. */
export type TenantAppInput =
  | z.input<typeof tenantAppInputSchema>
  | { import: unknown; webhookSecret?: string; clientSecret?: string; slug?: string };

// --- /api/events: repository events for the product (docs/events.md) ---
export const eventDeliverySchema = z.strictObject({
  id: z.number().int(),
  /** GitHub's delivery id (or `reconcile:…`): the `webhook-id` the endpoint receives */
  deliveryId: z.string(),
  event: z.string(),
  action: z.string().nullable(),
  project: z.string(),
  foundBy: z.enum(['webhook', 'reconcile']),
  status: z.enum(['pending', 'delivered', 'dead']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});
export type EventDelivery = z.infer<typeof eventDeliverySchema>;
export const eventSettingsSchema = z.strictObject({
  endpoint: z
    .strictObject({
      url: z.string(),
      /** while a rotation is under way: the previous secret signs too, until then */
      previousSecretUntil: z.string().nullable(),
      updatedBy: z.string(),
      updatedAt: z.string(),
    })
    .nullable(),
  /** the operator's own endpoint also receives every tenant's events */
  deploymentEndpoint: z.boolean(),
  recent: z.array(eventDeliverySchema),
  deadLetters: z.array(eventDeliverySchema),
});
export type EventSettings = z.infer<typeof eventSettingsSchema>;
export const eventEndpointBodySchema = z.strictObject({
  url: z.string().trim().url('must be the https URL the events are posted to').max(2000, 'at most 2000 characters'),
});
export type EventEndpointBody = z.input<typeof eventEndpointBodySchema>;
/** The secret is shown once, when the endpoint is created or its secret rotated. */
export const eventEndpointSavedSchema = z.strictObject({ url: z.string(), secret: z.string().nullable() });
export type EventEndpointSaved = z.infer<typeof eventEndpointSavedSchema>;
