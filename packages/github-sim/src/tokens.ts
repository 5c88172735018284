import { createHmac, randomBytes } from 'node:crypto';
import { randomAlphanumeric } from './ids.js';
import type { Permissions, SimToken } from './model.js';

export const installationTokenLifetimeMs = 60 * 60 * 1000;
export const userTokenLifetimeMs = 8 * 60 * 60 * 1000;
export const refreshTokenLifetimeMs = 15_897_600 * 1000; // GitHub's "six months"

const stealthKey = randomBytes(32);

/** Classic 40-character token: a 4-character prefix and 36 random characters. */
export function classicToken(prefix: 'ghs_' | 'ghu_' | 'ghr_' | 'ghp_'): string {
  return prefix + randomAlphanumeric(36);
}

/**
 * The stateless format GitHub rolls out from 2026-04-27: `ghs_<appid>_<jwt>`, around 520 characters.
 * The simulator still tracks it in its token table; only the shape matters to clients.
 */
export function statelessInstallationToken(
  appId: number,
  installationId: number,
  expiresAt: number,
  permissions: Permissions,
  repositoryIds: number[] | null,
): string {
  const header = Buffer.from(
    JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: randomAlphanumeric(16) }),
  ).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({
      iss: 'https://github.com',
      sub: `installation:${installationId}`,
      iid: installationId,
      aid: appId,
      exp: Math.floor(expiresAt / 1000),
      perms: permissions,
      repos: repositoryIds,
      jti: randomAlphanumeric(32),
      pad: randomAlphanumeric(Math.max(0, 200 - JSON.stringify(permissions).length)),
    }),
  ).toString('base64url');
  const signature = createHmac('sha256', stealthKey).update(`${header}.${payload}`).digest('base64url');
  return `ghs_${appId}_${header}.${payload}.${signature}`;
}

export function isTokenLive(token: SimToken, nowMs: number): boolean {
  return !token.revoked && (token.expiresAt === null || token.expiresAt > nowMs);
}

const levels = { read: 1, write: 2, admin: 3 } as const;

export function permits(granted: Permissions, name: string, level: 'read' | 'write' | 'admin'): boolean {
  const have = granted[name];
  return have !== undefined && levels[have] >= levels[level];
}

/** Is `asked` a narrowing of `granted`? Returns the first permission that widens it, or null. */
export function widenedPermission(granted: Permissions, asked: Record<string, string>): string | null {
  for (const [name, level] of Object.entries(asked)) {
    if (!(level in levels)) return name;
    if (!permits(granted, name, level as 'read')) return name;
  }
  return null;
}
