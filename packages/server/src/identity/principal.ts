import type { Identity } from './identity.js';

/** A person: signed in with a session cookie, or calling the API with the issuer's bearer JWT. */
export interface UserPrincipal extends Identity {
  kind: 'user';
  via: 'session' | 'bearer';
  /** the session's CSRF token ('' for bearer callers, who carry no cookies) */
  csrfToken: string;
  /** the hash of the session id: binds connect states to the browser that started them */
  sessionHash: string | null;
}

/** A machine: an agent key of one tenant, for the token broker. */
export interface AgentPrincipal {
  kind: 'agent';
  keyId: string;
  organizationId: string;
  name: string;
}

export type Principal = UserPrincipal | AgentPrincipal;

/** A user principal whose tenant is known (what `requireUser` guarantees). */
export type TenantUser = UserPrincipal & { organizationId: string };
