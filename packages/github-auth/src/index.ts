// The whole public surface of @hubgate/github-auth: what consumers call, and every type in those signatures.

// A GitHub App and its JWTs
export { type AppClient, type AppClientOptions, type RateLimitSnapshot, rateLimitOf } from './app-client.js';
export { type AppCredentials, type AppCredentialsOptions, createAppCredentials, webUrlFor } from './app-credentials.js';
export type { AppJwt, JwtSigner } from './app-jwt.js';
export { parsePrivateKey } from './private-key.js';
export type { GitHubResponse } from './github-request.js';
// One settings shape for an app, in the library and the service
export {
  type CredentialSourceConfig,
  type GitHubAppSettings,
  gitHubAppSettingsSchema,
  loadCredentialSources,
} from './credential-config.js';
// Installation tokens
export type { InstallationToken, InstallationTokenRequest, PermissionLevel } from './installation-token.js';
export {
  InstallationTokenProvider,
  type InstallationTokenProviderOptions,
  type ProviderStats,
  type RevocationFailure,
  type RevocationReport,
} from './installation-token-provider.js';
export { installationRequestHook, type InstallationRequestHookOptions } from './installation-request-hook.js';
// The fleet-wide tier
export {
  type LockAnswer,
  type RevocationEvent,
  RedisTokenStore,
  type RedisTokenStoreOptions,
  type SharedRead,
  type TakenTokens,
} from './redis-token-store.js';
export { redisTokenStoreFromEnv } from './token-cache-from-env.js';
export { TokenCipher } from './token-cipher.js';
// Repository URLs and git
export { CredentialResolver, type CredentialResolverOptions, type GitCredentials } from './credential-resolver.js';
export { type GitCredentialIo, type GitCredentialResult, runGitCredential } from './git-credential-main.js';
// the server's initial push hands git its credential in the helper protocol's own format
export { formatCredentialOutput } from './git-credential-protocol.js';
export { hubgateBaseUrl } from './hubgate-url.js';
export { type ParsedRepoUrl, parseRepoUrl } from './repo-url.js';
// Side effects and errors
export { type Clock, systemClock } from './clock.js';
export { GitHubAuthError, type GitHubAuthErrorCode, isPermanent, markPermanent } from './errors.js';
export { type Logger, silentLogger } from './logger.js';
