/**
 * One settings shape for a GitHub App, whichever its source (the operator's env, the sandbox, a tenant's row):
 * what the library needs to sign and mint, plus what the service needs for OAuth, install pages and webhooks.
 */
export interface GitHubAppSettings {
  /** `system` for the operator's app; a tenant app's random key (its webhook path) otherwise */
  key: string;
  appId?: number;
  clientId?: string;
  clientSecret?: string;
  slug?: string;
  privateKey?: string;
  privateKeyPath?: string;
  /** GHES 3.12/3.13 accept only the app id as the JWT issuer */
  issuerIsAppId?: boolean;
  webhookSecrets: string[];
  apiUrl: string;
  webUrl: string;
  /** the tenant that owns the app (tenant apps only) */
  organizationId?: string;
}
