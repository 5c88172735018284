export { AppClient } from './app-client.js';
export {
  type AppCredentials,
  type AppCredentialsOptions,
  createAppCredentials,
  normalizeApiUrl,
  webUrlFor,
} from './app-credentials.js';
export { AppJwt, type JwtSigner, localRs256Signer } from './app-jwt.js';
export { type Clock, systemClock } from './clock.js';
export {
  type CredentialSourceConfig,
  compileUrlPattern,
  loadCredentialSources,
  readConfigFile,
  sourcesFromDocument,
  systemSourceFromEnv,
} from './credential-config.js';
export {
  CredentialResolver,
  type CredentialResolverOptions,
  type GitCredentials,
} from './credential-resolver.js';
export { GitHubAuthError, type GitHubAuthErrorCode } from './errors.js';
export { runGitCredential } from './git-credential-main.js';
export { formatCredentialOutput, parseCredentialInput } from './git-credential-protocol.js';
export { InstallationLookup } from './installation-lookup.js';
export { installationRequestHook, type InstallationRequestHookOptions } from './installation-request-hook.js';
export {
  type InstallationToken,
  type InstallationTokenRequest,
  type PermissionLevel,
  tokenCacheKey,
} from './installation-token.js';
export {
  InstallationTokenProvider,
  type InstallationTokenProviderOptions,
  type ProviderStats,
} from './installation-token-provider.js';
export { type Logger, silentLogger } from './logger.js';
export { parsePrivateKey } from './private-key.js';
export { RedisTokenStore, type RedisTokenStoreOptions } from './redis-token-store.js';
export { type ParsedRepoUrl, parseRepoUrl } from './repo-url.js';
export { redisTokenStoreFromEnv } from './token-cache-from-env.js';
export { TokenCipher } from './token-cipher.js';
