import { createSign } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import { GitHubSim, type GitHubSimOptions } from '../src/index.js';

/** Signs an app JWT by hand so tests can set every claim, including wrong ones. */
export function signJwt(
  privateKey: string,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' },
): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${enc(header)}.${enc(claims)}`;
  const signature = createSign('RSA-SHA256').update(body).sign(privateKey).toString('base64url');
  return `${body}.${signature}`;
}

export function goodJwt(privateKey: string, iss: string | number, nowMs = Date.now()): string {
  const now = Math.floor(nowMs / 1000);
  return signJwt(privateKey, { iat: now - 60, exp: now + 540, iss });
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** A REST call against the simulator's `/api/v3`. */
export async function api(
  sim: GitHubSim,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/** A simulator with one org, one admin, an app installed on "Only select repositories" and two repositories. */
export async function basicWorld(sim: GitHubSim, options: { selection?: 'all' | 'selected' } = {}) {
  const admin = sim.addUser('octo-admin');
  const member = sim.addUser('octo-member');
  const org = sim.addOrg('octo-org', { 'octo-admin': 'admin', 'octo-member': 'member' });
  const { app, privateKey } = sim.addApp({ slug: 'hubgate-test', ownerLogin: 'octo-org' });
  const inRepo = await sim.createRepository('octo-org', 'made-by-app');
  const otherRepo = await sim.createRepository('octo-org', 'customer-code');
  const installation = sim.install(app, 'octo-org', {
    by: 'octo-admin',
    selection: options.selection ?? 'selected',
    repositories: options.selection === 'all' ? [] : ['made-by-app'],
  });
  const jwt = () => goodJwt(privateKey!, app.clientId, sim.clock.now());
  const mint = async (body: unknown = {}) => {
    const answer = await api(sim, 'POST', `/app/installations/${installation.id}/access_tokens`, {
      token: jwt(),
      body,
    });
    if (answer.status !== 201)
      throw new Error(`mint failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.token as string;
  };
  return { admin, member, org, app, privateKey: privateKey!, inRepo, otherRepo, installation, jwt, mint };
}

export type BasicWorld = Awaited<ReturnType<typeof basicWorld>>;

/**
 * Registers the usual hooks: a fresh simulator and basic world before each test, closed after it.
 * `assign` hands them to the test file's variables.
 */
export function useBasicWorld(
  assign: (sim: GitHubSim, world: BasicWorld) => void,
  options: { sim?: GitHubSimOptions; selection?: 'all' | 'selected' } = {},
) {
  let current: GitHubSim | null = null;
  beforeEach(async () => {
    current = await GitHubSim.start(options.sim);
    assign(current, await basicWorld(current, { selection: options.selection }));
  });
  afterEach(async () => {
    await current?.close();
    current = null;
  });
}
