import type { InstallationTokenRequest } from './installation-token.js';
import type { InstallationTokenProvider } from './installation-token-provider.js';

type RequestOptions = { method: string; url: string; headers: Record<string, string | number | undefined>; [key: string]: unknown };
type Request = (options: RequestOptions) => Promise<unknown>;

export interface InstallationRequestHookOptions {
  /** how long after a mint a 401 is taken for GitHub's replication lag (default 5 s) */
  freshTokenWindowMs?: number;
  /** pauses between the tries of that window (default 250, 500, 1000 ms) */
  backoffMs?: number[];
}

const notReplicated = /not (yet )?replicated|replicat(ed|ion) yet/i;

/**
 * An Octokit `hook.wrap('request', ...)` that authenticates as an installation: it puts the provider's token on
 * each request, retries briefly when a token minted seconds ago answers 401 (GitHub's replication lag) or when
 * GitHub answers 403 "permissions aren't replicated yet", and on any other 401 drops the token from every tier
 * and tries once more with a new one. (@octokit/auth-app does the first, not the 403.)
 */
export function installationRequestHook(provider: InstallationTokenProvider, tokenRequest: InstallationTokenRequest, options: InstallationRequestHookOptions = {}) {
  const window = options.freshTokenWindowMs ?? 5000;
  const backoff = options.backoffMs ?? [250, 500, 1000];
  return async (request: Request, endpoint: RequestOptions): Promise<unknown> => {
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const token = await provider.getToken(tokenRequest);
      try {
        return await request({ ...endpoint, headers: { ...endpoint.headers, authorization: `token ${token.token}` } });
      } catch (error) {
        const e = error as { status?: number; message?: string };
        const fresh = provider.now() - token.createdAt < window;
        const lagging = (e.status === 401 && fresh) || (e.status === 403 && notReplicated.test(e.message ?? ''));
        if (lagging && attempt < backoff.length) {
          await new Promise((resolve) => setTimeout(resolve, backoff[attempt]));
          continue;
        }
        if (e.status === 401 && !renewed) {
          renewed = true;
          await provider.invalidate(tokenRequest);
          continue;
        }
        throw error;
      }
    }
  };
}
