import { randomUUID } from 'node:crypto';
import { GitHubAuthError, type InstallationToken, type InstallationTokenRequest } from '@hubgate/github-auth';
import type { AppRegistry } from '../apps/app-registry.js';
import type { GitHubApp } from '../apps/github-app.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { AgentGrantPermissions } from '@hubgate/contract';
import type { Logger } from '../logger.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { sha256 } from '../sealing/sha256.js';
import { type AgentTokenRow, AgentTokenStore, type BrokerLookup } from '../stores/agent-token-store.js';
import { AgentKeyStore } from '../stores/agent-key-store.js';
import { AuditStore } from '../stores/audit-store.js';
import type { TokenRevocationStore } from '../stores/token-revocation-store.js';
import { inTransaction } from '../stores/transaction.js';
import { agentKeyHash } from './agent-key-secret.js';
import { grantReaches, permissionsWithin } from './agent-grant.js';
import { appOrigin, remoteAllowed, repositoryTarget } from './repository-target.js';

export const tokenIssuedAction = 'broker.token_issued';
export const tokenRevokedAction = 'broker.token_revoked';

/** `lastUsedAt` is written at most this often per key: a busy agent costs one write a minute, not one a call. */
export const lastUsedResolutionMs = 60_000;

export interface TokenRequest {
  repository: string;
  permissions?: AgentGrantPermissions;
  minValidityMs?: number;
  /** a label for the hand-out (a job id), kept on the lease */
  job?: string;
  /** a token of its own, held by this lease alone (one more mint) */
  exclusive?: boolean;
  /** the same request again (an ID token exchanged twice): the live lease labelled `job` is answered, not a new one */
  reuseLeaseOfJob?: boolean;
  /** more for the hand-out's audit row (an exchange's policy, issuer and subject) */
  auditDetail?: Record<string, unknown>;
}

export interface IssuedToken {
  token: string;
  /** when this hand-out ends: the token's expiry, or sooner when the key's grant says so */
  expiresAt: string;
  repository: { id: number; fullName: string; url: string };
  permissions: Record<string, string>;
  lease: { id: string; expiresAt: string; job: string | null; exclusive: boolean };
}

/** An agent key that passed the one lookup: who it is, and what the request named. */
export interface AuthorizedCall {
  lookup: BrokerLookup;
  fullName: string;
  target: ReturnType<typeof repositoryTarget>;
}

export interface RevocationCount {
  tokensRevoked: number;
  tokensFailed: number;
}

export interface TokenBrokerOptions {
  db: Database;
  apps: AppRegistry;
  sealer: SecretSealer;
  revocations: TokenRevocationStore;
  logger: Logger;
  now: () => Date;
  /** a token is handed out only once it is this old (GitHub may refuse a token for a moment after its mint) */
  minTokenAgeMs: number;
}

/** One answer for "not a project of yours" and "no such repository": nothing about other tenants leaks. */
const notYourProject = () =>
  new AppError('not_found', 'That repository is not one of your organization’s projects (or does not exist).');
const unknownKey = () => new AppError('unauthenticated', 'The agent key is unknown, revoked or expired.');

/** Where git reaches the repository: the host the token is bound to (git helpers compare it with git's remote). */
const cloneUrl = (app: GitHubApp, fullName: string) => `${app.settings.webUrl.replace(/\/+$/, '')}/${fullName}.git`;
const sealedFor = (tokenHash: string) => `agent-token:${tokenHash}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Installation tokens for agents, by agent key instead of the app's private key, within the key's grant. A token is
 * scoped to one repository (by its GitHub id, which survives renames) and is the key's own: each key's tokens are
 * cached apart, so ending one key's job never ends another's. Every hand-out is a lease, committed (grouped with
 * concurrent ones) before the token is answered; the token is revoked at GitHub when its last lease ends, when its
 * key is revoked, or by the tenant's kill switch.
 */
export class TokenBroker {
  private readonly store: AgentTokenStore;
  private readonly keys: AgentKeyStore;
  /** tokens whose row this process has written: later hand-outs send no sealed copy (bounded; a miss costs nothing) */
  private readonly persisted = new Set<string>();

  constructor(private readonly options: TokenBrokerOptions) {
    this.store = new AgentTokenStore(options.db);
    this.keys = new AgentKeyStore(options.db);
  }

  /**
   * The key, the project it names and the tenant's installation, in one query, with the key's rate limit beside it.
   * Unknown, revoked and expired keys are one 401; the key's last use is recorded at most once a minute, without
   * holding the call.
   */
  async authorize(
    presentedKey: string,
    repository: string,
    rateLimit: (keyHash: string) => Promise<void> = async () => {},
  ): Promise<AuthorizedCall> {
    const keyHash = agentKeyHash(presentedKey);
    if (!keyHash) throw unknownKey();
    return this.authorizeByKeyHash(keyHash, repository, rateLimit);
  }

  /** As `authorize`, for a key found by its hash (a trust policy's, after its ID token was verified). */
  async authorizeByKeyHash(
    keyHash: string,
    repository: string,
    rateLimit: (keyHash: string) => Promise<void> = async () => {},
  ): Promise<AuthorizedCall> {
    const target = repositoryTarget(repository);
    // The per-key limit is counted by the key's hash, beside the lookup rather than after it: one round trip of
    // latency less. The lookup's refusal (an unknown key) wins over the limit's.
    const [lookup, limited] = await Promise.all([
      this.store.lookup(keyHash, target.fullName),
      rateLimit(keyHash).then(
        () => null,
        (error: unknown) => error,
      ),
    ]);
    const now = this.options.now();
    if (!lookup || lookup.keyRevokedAt || (lookup.keyExpiresAt && lookup.keyExpiresAt <= now)) throw unknownKey();
    if (limited) throw limited;
    if (!lookup.lastUsedAt || now.getTime() - lookup.lastUsedAt.getTime() >= lastUsedResolutionMs) {
      this.keys
        .touch(lookup.keyId, now, new Date(now.getTime() - lastUsedResolutionMs))
        .catch((error: unknown) => this.options.logger.warn({ err: (error as Error).message }, 'agent key last use not recorded'));
    }
    return { lookup, fullName: target.fullName, target };
  }

  async issue(call: AuthorizedCall, request: TokenRequest): Promise<IssuedToken> {
    const { lookup, target } = call;
    const project = lookup.project;
    if (!project || project.githubRepoId === null || project.accessState === 'creating' || project.accessState === 'deleted')
      throw notYourProject();
    const fullName = project.fullName ?? call.fullName;
    if (!grantReaches(lookup.grant, project))
      throw new AppError('forbidden', `The project ${fullName} is outside this agent key's grant.`, { details: { field: 'repository' } });
    const installation = lookup.installation;
    if (!installation || installation.appKey !== project.appKey)
      throw new AppError('invalid_state', 'Your organization has no GitHub connection for this project; an admin can connect it.');
    if (installation.suspendedAt)
      throw new AppError('suspended', 'The GitHub installation is suspended; an owner can unsuspend it on GitHub.');
    if (project.accountId !== null && project.accountId !== installation.accountId)
      throw new AppError('invalid_state', 'This project’s repository is in another GitHub account than the connected one.');

    const app = await this.options.apps.byKey(project.appKey);
    if (!remoteAllowed(target.remote, app.settings.webUrl))
      throw new AppError(
        'forbidden',
        `Tokens for ${fullName} are only for ${appOrigin(app.settings.webUrl)}; refused for ${target.remote!.protocol}://${target.remote!.host}${target.remote!.base}.`,
        { details: { field: 'repository' } },
      );
    const permissions = permissionsWithin(lookup.grant, request.permissions);
    const lifetimeMs = lookup.grant.maxTokenLifetimeSeconds * 1000;
    if (request.minValidityMs !== undefined && request.minValidityMs > lifetimeMs)
      throw new AppError(
        'forbidden',
        `minValidityMs ${request.minValidityMs} is outside this agent key's grant: its hand-outs live at most ${lookup.grant.maxTokenLifetimeSeconds} s.`,
        { details: { field: 'minValidityMs' } },
      );

    if (request.reuseLeaseOfJob && request.job) {
      const again = await this.leaseAgain(lookup.keyId, request.job, project.githubRepoId, app, fullName);
      if (again) return again;
    }

    const leaseId = randomUUID();
    const tokenRequest: InstallationTokenRequest = {
      installationId: installation.installationId,
      repositoryIds: [project.githubRepoId],
      permissions,
      minValidityMs: request.minValidityMs,
      partition: request.exclusive ? `lease:${leaseId}` : `key:${lookup.keyId}`,
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      const token = await this.mint(app, tokenRequest, fullName);
      await this.ripen(app, token);
      const now = this.options.now();
      const leaseExpiresAt = new Date(Math.min(token.expiresAt, now.getTime() + lifetimeMs));
      const tokenHash = sha256(token.token);
      const repository = { id: project.githubRepoId, fullName };
      const handOut = {
        leaseId,
        organizationId: lookup.organizationId,
        keyId: lookup.keyId,
        tokenHash,
        job: request.job ?? null,
        leaseExpiresAt,
        target: `repo:${project.githubRepoId}`,
        detail: {
          tokenHash,
          keyId: lookup.keyId,
          leaseId,
          repository,
          permissions,
          grant: lookup.grant,
          expiresAt: leaseExpiresAt.toISOString(),
          appKey: app.key,
          installationId: installation.installationId,
          ...(request.job ? { job: request.job } : {}),
          ...request.auditDetail,
        },
      };
      let outcome = await this.store.recordHandOut(
        this.persisted.has(tokenHash) ? handOut : { ...handOut, token: this.tokenRow(app, tokenRequest, token, tokenHash, leaseId, !!request.exclusive) },
      );
      if (outcome === 'retry')
        outcome = await this.store.recordHandOut({ ...handOut, token: this.tokenRow(app, tokenRequest, token, tokenHash, leaseId, !!request.exclusive) });
      if (outcome === 'key_revoked') throw unknownKey();
      if (outcome === 'token_revoked' || outcome === 'retry') {
        // Revoked through another replica while this process still held it: never hand it out again.
        await app.tokens.invalidate({ token: token.token });
        this.persisted.delete(tokenHash);
        continue;
      }
      this.remember(tokenHash);
      return {
        token: token.token,
        expiresAt: leaseExpiresAt.toISOString(),
        repository: { ...repository, url: cloneUrl(app, fullName) },
        permissions,
        lease: { id: leaseId, expiresAt: leaseExpiresAt.toISOString(), job: request.job ?? null, exclusive: !!request.exclusive },
      };
    }
    throw new AppError('github_unavailable', 'The token kept being revoked while it was handed out; try again.');
  }

  /** The live lease of this key labelled `job`, for the same repository, answered again (its token unsealed). */
  private async leaseAgain(keyId: string, job: string, githubRepoId: number, app: GitHubApp, fullName: string): Promise<IssuedToken | null> {
    const found = await this.store.liveLeaseOfJob(keyId, job, this.options.now());
    if (!found || Number(found.token.githubRepoId) !== githubRepoId) return null;
    const token = this.options.sealer.open({ ciphertext: found.token.token, keyId: found.token.sealKeyId }, sealedFor(found.token.tokenHash));
    if (!token) return null;
    return {
      token,
      expiresAt: found.leaseExpiresAt.toISOString(),
      repository: { id: githubRepoId, fullName, url: cloneUrl(app, fullName) },
      permissions: found.token.permissions as Record<string, string>,
      lease: { id: found.leaseId, expiresAt: found.leaseExpiresAt.toISOString(), job, exclusive: found.token.exclusive === found.leaseId },
    };
  }

  /**
   * Job end: the bearer is the token itself. Ends its lease (the one named, else its newest), and revokes the token at
   * GitHub only when no other live lease of it remains. A token the broker never handed out is refused (401), so
   * the route is no open revocation proxy for any token someone holds.
   */
  async endLease(token: string, leaseId: string | null): Promise<{ revoked: boolean }> {
    const tokenHash = sha256(token);
    const known = await this.store.byHash(tokenHash);
    if (!known) throw new AppError('unauthenticated', 'That is not a token this service issued.');
    const { revoke } = await this.store.endLease(tokenHash, leaseId, this.options.now());
    if (!revoke) return { revoked: false };
    const failed = await this.revokeAtGitHub([{ row: revoke, token }], `token:${tokenHash.slice(0, 12)}`, 'lease_end');
    if (failed > 0) throw new AppError('github_unavailable', 'GitHub did not confirm the revocation; it will be retried.');
    return { revoked: true };
  }

  /** Revokes (in a transaction the caller runs) every live token of these keys; call `finishRevocation` after commit. */
  takeTokensOfKeys(tx: Database, keyIds: string[]): Promise<AgentTokenRow[]> {
    return this.store.takeLiveTokens(tx, keyIds, this.options.now()).then(async (rows) => {
      await this.store.endLeasesOf(tx, rows.map((r) => r.tokenHash), this.options.now());
      return rows;
    });
  }

  /** After the commit that marked them revoked: each token revoked at GitHub and dropped from every cache tier. */
  async finishRevocation(rows: AgentTokenRow[], actor: string, reason: string): Promise<RevocationCount> {
    const opened = rows.flatMap((row) => {
      const token = this.options.sealer.open({ ciphertext: row.token, keyId: row.sealKeyId }, sealedFor(row.tokenHash));
      return token ? [{ row, token }] : [];
    });
    const failed = await this.revokeAtGitHub(opened, actor, reason);
    return { tokensRevoked: opened.length - failed, tokensFailed: failed + (rows.length - opened.length) };
  }

  /**
   * The kill switch: every live token of the tenant's agents, in every tier and on every replica, without
   * disconnecting. The installation's tokens in the caches are revoked too (the fleet is told through Redis), so a
   * token minted at that moment is not kept either.
   */
  async revokeAllForTenant(organizationId: string, actor: string): Promise<RevocationCount> {
    const rows = await inTransaction(this.options.db, async (tx) => {
      const keyIds = (await new AgentKeyStore(tx).list(organizationId)).map((k) => k.id);
      const taken = await this.takeTokensOfKeys(tx, keyIds);
      await new AuditStore(tx).record({
        organizationId,
        actor,
        action: 'broker.all_tokens_revoked',
        target: `org:${organizationId}`,
        detail: { tokens: taken.length },
      });
      return taken;
    });
    const count = await this.finishRevocation(rows, actor, 'kill_switch');
    const installations = new Map(rows.map((r) => [`${r.appKey}:${r.installationId}`, r]));
    for (const row of installations.values()) {
      const app = await this.options.apps.byKey(row.appKey);
      await app.tokens.revokeInstallation(row.installationId);
    }
    return count;
  }

  private async revokeAtGitHub(items: { row: AgentTokenRow; token: string }[], actor: string, reason: string): Promise<number> {
    let failed = 0;
    for (let i = 0; i < items.length; i += 8) {
      const outcomes = await Promise.all(
        items.slice(i, i + 8).map(async ({ row, token }) => {
          const app = await this.options.apps.byKey(row.appKey);
          const ok = await app.tokens.revokeToken(token);
          this.persisted.delete(row.tokenHash);
          if (!ok)
            await this.options.revocations.add(row.appKey, row.installationId, token, row.expiresAt, `agent token (${reason}): GitHub did not confirm`);
          return ok;
        }),
      );
      failed += outcomes.filter((ok) => !ok).length;
    }
    const audit = new AuditStore(this.options.db);
    for (const { row } of items)
      await audit.record({
        organizationId: row.organizationId,
        actor,
        action: tokenRevokedAction,
        target: `repo:${row.githubRepoId}`,
        detail: { tokenHash: row.tokenHash, keyId: row.keyId, reason },
      });
    return failed;
  }

  /** Waits until the token is `minTokenAgeMs` old: GitHub may refuse a token for a moment after its mint. */
  private async ripen(app: GitHubApp, token: InstallationToken) {
    const wait = token.createdAt + this.options.minTokenAgeMs - app.tokens.now();
    if (wait > 0) await sleep(Math.min(wait, this.options.minTokenAgeMs));
  }

  private tokenRow(app: GitHubApp, request: InstallationTokenRequest, token: InstallationToken, tokenHash: string, leaseId: string, exclusive: boolean) {
    const sealed = this.options.sealer.seal(token.token, sealedFor(tokenHash));
    return {
      appKey: app.key,
      installationId: request.installationId,
      githubRepoId: request.repositoryIds![0]!,
      permissions: request.permissions as Record<string, string>,
      exclusiveLease: exclusive ? leaseId : null,
      sealed: sealed.ciphertext,
      sealKeyId: sealed.keyId,
      expiresAt: new Date(token.expiresAt),
    };
  }

  private remember(tokenHash: string) {
    if (this.persisted.size >= 50_000) this.persisted.clear();
    this.persisted.add(tokenHash);
  }

  /** The library's mint, with GitHub's refusals said in the tenant's terms. */
  private async mint(app: GitHubApp, request: InstallationTokenRequest, fullName: string): Promise<InstallationToken> {
    try {
      return await app.tokens.getToken(request);
    } catch (error) {
      if (error instanceof GitHubAuthError && error.status === 422) {
        if (/permissions requested are not granted/i.test(error.message))
          throw new AppError(
            'conflict',
            `The GitHub installation does not grant ${Object.keys(request.permissions ?? {}).filter((p) => p !== 'metadata').join(', ')} as asked; an owner can accept the app's permissions on GitHub, or ask for less.`,
            { cause: error },
          );
        throw new AppError(
          'invalid_state',
          `The GitHub installation no longer reaches ${fullName} (removed from its selection, moved or deleted).`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
