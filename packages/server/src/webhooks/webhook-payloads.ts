import type { components } from '@octokit/openapi-webhooks-types';
import { z } from 'zod';

type Schemas = components['schemas'];

/**
 * The parts of GitHub's webhook payloads that hubgate reads, checked with zod (a signed payload is still data we
 * did not write). The TypeScript names tie each to GitHub's published schema (`@octokit/openapi-webhooks-types`).
 */
const account = z.object({ login: z.string(), id: z.number().int(), type: z.enum(['Organization', 'User']).catch('Organization') });
const installationRef = z.object({ id: z.number().int().positive() });
const sender = z.object({ id: z.number().int(), login: z.string() }).nullish();

export const installationPayload = z.object({
  action: z.string(),
  installation: installationRef.extend({
    account: account.nullish(),
    repository_selection: z.enum(['all', 'selected']).optional(),
    permissions: z.record(z.string(), z.string()).optional(),
    suspended_at: z.string().nullish(),
    created_at: z.union([z.string(), z.number()]).optional(),
  }),
  sender,
});

const repoIds = z.array(z.object({ id: z.number().int() })).default([]);
export const installationRepositoriesPayload = z.object({
  action: z.enum(['added', 'removed']),
  installation: installationRef,
  repository_selection: z.enum(['all', 'selected']),
  repositories_added: repoIds,
  repositories_removed: repoIds,
});

export const installationTargetPayload = z.object({
  action: z.literal('renamed'),
  installation: installationRef,
  account: z.object({ login: z.string() }),
});

export const appAuthorizationPayload = z.object({
  action: z.literal('revoked'),
  sender: z.object({ id: z.number().int() }),
});

export const repositoryPayload = z.object({
  action: z.string(),
  installation: installationRef,
  repository: z.object({ id: z.number().int(), full_name: z.string(), owner: z.object({ id: z.number().int() }) }),
  /** `transferred`: the account it came from (`organization` or `user`) */
  changes: z
    .object({
      owner: z
        .object({
          from: z.object({
            organization: z.object({ id: z.number().int() }).optional(),
            user: z.object({ id: z.number().int() }).optional(),
          }),
        })
        .optional(),
    })
    .optional(),
});

/** GitHub's published shapes of the events handled, for readers and for tests that build payloads. */
export type InstallationEvent = Schemas['webhook-installation-created'] | Schemas['webhook-installation-deleted'] | Schemas['webhook-installation-suspend'];
export type InstallationRepositoriesEvent = Schemas['webhook-installation-repositories-added'] | Schemas['webhook-installation-repositories-removed'];
