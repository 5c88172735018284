import type { AppManifest } from './app-manifest.js';
import type { SimClock } from './clock.js';
import type { FaultTable } from './faults.js';
import type { SimUrls } from './payloads.js';
import type { RateLimiter } from './rate-limits.js';
import type { SimStore } from './store.js';
import type { SimWorld } from './world.js';

export interface SimBehaviour {
  /** GHES 3.12/3.13: `iss` must be the numeric app id */
  appIdOnlyIssuer: boolean;
  /** issue the long `ghs_<appid>_<jwt>` format unless the mint request says otherwise */
  statelessTokens: boolean;
  /** GitHub's newer announcement: app user tokens may add/remove installation repositories */
  allowUserTokensForInstallationRepos: boolean;
  /** a fresh installation token answers 401 for this long (GitHub's replication lag) */
  newTokenLagMs: number;
  /** extra latency on every token mint (benchmarks use ~300 ms, as on github.com) */
  mintLatencyMs: number;
}

/** One REST request and its answer, as recorded (`record: true`), for checking a client's traffic afterwards. */
export interface SimExchange {
  /** GitHub's template of the route (`GET /repos/{owner}/{repo}`) */
  route: string;
  method: string;
  path: string;
  /** the kind of credential, or `anonymous` (or `none` for routes that take none) */
  as: string;
  status: number;
  /** the answer's JSON body (null for none or non-JSON) */
  body: unknown;
  headers: Record<string, string>;
}

/** What every route of the simulator shares. */
export interface SimContext {
  store: SimStore;
  world: SimWorld;
  clock: SimClock;
  faults: FaultTable;
  limits: RateLimiter;
  behaviour: SimBehaviour;
  urls: () => SimUrls;
  /** requests per `METHOD /template` */
  requestCounts: Map<string, number>;
  /** browser sessions of simulated users: session id -> user id */
  sessions: Map<string, number>;
  /** OAuth codes: code -> grant */
  oauthCodes: Map<string, { appId: number; userId: number; redirectUri: string | null; expiresAt: number }>;
  /** the `?token=` of private repositories' `download_url`s -> the repository and when it expires */
  rawTokens: Map<string, { repoId: number; expiresAt: number }>;
  /** manifests received by `/settings/apps/new`, waiting for the user's confirmation */
  manifestDrafts: Map<
    string,
    { manifest: AppManifest; state: string | null; orgLogin: string | null; expiresAt: number }
  >;
  /** codes of the manifest flow -> the app created and its credentials, for the one conversion */
  manifestCodes: Map<string, { appId: number; pem: string; webhookSecret: string | null; expiresAt: number }>;
  /** every REST exchange answered, in order, when the simulator was made with `record: true` (else null) */
  exchanges: SimExchange[] | null;
  /** the GHES release this instance says it runs, or null for none */
  enterpriseVersion: string | null;
}
