// The JSON API's types come from the contract (packages/contract, @hubgate/contract), written once
// there; `import type` is erased by the build, so nothing of the server reaches the browser (docs/ui.md).
import type {
  AgentKeyList,
  ApiErrorBody,
  ClaimBody,
  ClaimResult,
  Connection,
  ConnectResult,
  CreateAgentKeyBody,
  CreateTrustPolicyBody,
  CreatedAgentKey,
  CreateProjectBody,
  DisconnectBody,
  EventDelivery,
  EventEndpointSaved,
  EventSettings,
  DisconnectResult,
  Project,
  ProjectKind,
  ProjectList,
  ReconnectResult,
  RevokedAgentKey,
  RevokedAgentTokens,
  Session,
  SignOutResult,
  StartedManifest,
  StartManifestBody,
  TenantApp,
  TenantAppAnswer,
  TenantAppInput,
  TrustPolicy,
  TrustPolicyList,
} from '@hubgate/contract';

/** A refused call, with what the server said (its message is written for people). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Omit<ApiErrorBody['error'], 'code' | 'message'> & { retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }

  /** A GET of a whole resource answered 404: the endpoint does not exist on this server (yet). */
  get missingEndpoint() {
    return this.status === 404;
  }
}

const fallbackMessages: Record<number, string> = {
  401: 'Your session has ended. Sign in again.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  429: 'Too many requests. Try again in a moment.',
  502: 'GitHub did not answer. Try again in a moment.',
  503: 'The service is unavailable. Try again in a moment.',
};

/**
 * The typed client of hubgate's JSON API, for the browser: same-origin cookie, and the session's CSRF token on
 * every change. `baseUrl` lets a SaaS mount hubgate under another path or host.
 */
export class HubgateClient {
  csrfToken = '';

  /** `fetchImpl`: how requests are sent (an embedding product's own, or a test's answers from the contract's fixtures) */
  constructor(
    readonly baseUrl = '',
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        credentials: 'same-origin',
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(method !== 'GET' ? { 'x-csrf-token': this.csrfToken } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch {
      throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const error = (parsed as ApiErrorBody | null)?.error;
      const retryAfter = Number(response.headers.get('retry-after'));
      // A 404 with no JSON error body is the router's: the endpoint is not there.
      const code = error?.code ?? `http_${response.status}`;
      throw new ApiError(
        response.status,
        code,
        error?.message ?? fallbackMessages[response.status] ?? `The server answered ${response.status}.`,
        {
          field: error?.field,
          suggestion: error?.suggestion,
          acceptUrl: error?.acceptUrl,
          ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
        },
      );
    }
    return parsed as T;
  }

  session = () => this.request<Session>('GET', '/api/session');
  /** Ends the hubgate session; `next` is where the browser goes to end the identity provider's session too. */
  signOut = async () => {
    const { next } = await this.request<SignOutResult>('POST', '/auth/logout');
    // A path of hubgate's own (no provider end-session page) is under baseUrl, like every other request.
    return { next: next.startsWith('/') ? `${this.baseUrl}${next}` : next };
  };
  signInUrl = (returnTo: string) => `${this.baseUrl}/auth/login?return_to=${encodeURIComponent(returnTo)}`;

  connection = () => this.request<Connection>('GET', '/api/github/connection');
  connect = () => this.request<ConnectResult>('POST', '/api/github/connect', {});
  claim = (installationId: number) =>
    this.request<ClaimResult>('POST', '/api/github/claim', { installationId } satisfies ClaimBody);
  disconnect = (uninstall: boolean) =>
    this.request<DisconnectResult>('POST', '/api/github/disconnect', { uninstall } satisfies DisconnectBody);
  reconnectResult = () => this.request<ReconnectResult>('GET', '/api/github/reconnect');

  projects = () => this.request<ProjectList>('GET', '/api/projects');
  createProject = (name: string, kind?: ProjectKind) =>
    this.request<Project>('POST', '/api/projects', (kind ? { name, kind } : { name }) satisfies CreateProjectBody);

  agentKeys = () => this.request<AgentKeyList>('GET', '/api/agent-keys');
  createAgentKey = (body: CreateAgentKeyBody) => this.request<CreatedAgentKey>('POST', '/api/agent-keys', body);
  revokeAgentKey = (id: string) => this.request<RevokedAgentKey>('DELETE', `/api/agent-keys/${encodeURIComponent(id)}`);
  /** the kill switch: every live agent token of the organization */
  revokeAllAgentTokens = () => this.request<RevokedAgentTokens>('DELETE', '/api/agent-tokens');

  trustPolicies = () => this.request<TrustPolicyList>('GET', '/api/trust-policies');
  createTrustPolicy = (body: CreateTrustPolicyBody) => this.request<TrustPolicy>('POST', '/api/trust-policies', body);
  deleteTrustPolicy = (id: string) =>
    this.request<{ deleted: true; tokensRevoked: number; tokensFailed: number }>('DELETE', `/api/trust-policies/${encodeURIComponent(id)}`);

  events = () => this.request<EventSettings>('GET', '/api/events');
  saveEventEndpoint = (url: string) => this.request<EventEndpointSaved>('PUT', '/api/events/endpoint', { url });
  rotateEventSecret = () => this.request<EventEndpointSaved>('POST', '/api/events/endpoint/rotate');
  deleteEventEndpoint = () => this.request<{ deleted: boolean }>('DELETE', '/api/events/endpoint');
  redeliverEvent = (id: number) => this.request<EventDelivery>('POST', `/api/events/deliveries/${id}/redeliver`);

  tenantApp = () => this.request<TenantAppAnswer>('GET', '/api/github/app');
  saveTenantApp = (input: TenantAppInput) =>
    this.request<{ app: TenantApp }>('PUT', '/api/github/app', input);
  startManifest = (body: StartManifestBody) => this.request<StartedManifest>('POST', '/api/github/app/manifest', body);
  removeTenantApp = () => this.request<{ removed: true }>('DELETE', '/api/github/app');
}
