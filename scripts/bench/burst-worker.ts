/**
 * One process of the cold-burst fleet: builds its client, waits for "go" on stdin, fires its share of the
 * burst at once, and prints how long it took. Separate processes, because @octokit/auth-app keeps its
 * pending promises at module level: four clients in one process would share them, four servers do not.
 */

import {
  createAppCredentials,
  InstallationTokenProvider,
  RedisTokenStore,
  silentLogger,
  systemClock,
  TokenCipher,
} from '@hubgate/github-auth';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';

const config = JSON.parse(process.env.BURST_CONFIG!) as {
  mode: 'hubgate' | 'octokit';
  apiUrl: string;
  appId: number;
  clientId: string;
  privateKey: string;
  installationId: number;
  requests: number;
  redisUrl: string;
  prefix: string;
  cipherKey: string;
};

let ask: () => Promise<unknown>;
let close = async () => {};
if (config.mode === 'hubgate') {
  const redis = new RedisTokenStore({
    redis: config.redisUrl,
    cipher: new TokenCipher(config.cipherKey),
    clock: systemClock,
    logger: silentLogger,
    prefix: config.prefix,
  });
  const provider = new InstallationTokenProvider({
    app: createAppCredentials({
      clientId: config.clientId,
      privateKey: config.privateKey,
      apiUrl: config.apiUrl,
    }),
    redis,
  });
  ask = () => provider.getToken({ installationId: config.installationId });
  close = () => redis.close();
} else {
  const auth = createAppAuth({
    appId: config.appId,
    privateKey: config.privateKey,
    request: request.defaults({ baseUrl: config.apiUrl }),
  });
  ask = () => auth({ type: 'installation', installationId: config.installationId });
}

process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const started = Date.now();
  await Promise.all(Array.from({ length: config.requests }, () => ask()));
  process.stdout.write(`${JSON.stringify({ ms: Date.now() - started })}\n`);
  await close();
  process.exit(0);
});
