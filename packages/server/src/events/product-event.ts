import type { components } from '@octokit/openapi-webhooks-types';

type Schemas = components['schemas'];
type Of<Prefix extends string> = Schemas[Extract<keyof Schemas, `${Prefix}${string}`>];

/** GitHub's payload of each event, by its `X-GitHub-Event` name (GitHub's own published types). */
export interface GitHubPayloads {
  push: Schemas['webhook-push'];
  create: Schemas['webhook-create'];
  delete: Schemas['webhook-delete'];
  pull_request: Of<'webhook-pull-request-'>;
  pull_request_review: Of<'webhook-pull-request-review-'>;
  issues: Of<'webhook-issues-'>;
  issue_comment: Of<'webhook-issue-comment-'>;
  repository: Of<'webhook-repository-'>;
}
export type ProductEventName = keyof GitHubPayloads;

/**
 * What the product receives for one repository event of one of its projects: the tenant and the project resolved,
 * GitHub's delivery id as the idempotency key, and GitHub's payload as it came (or, for a push GitHub had not
 * delivered within the staleness bound, the reconcile's own `push`, `found_by: "reconcile"`).
 */
export interface ProductEvent<E extends string = string> {
  /** GitHub's `X-GitHub-Delivery`, or `reconcile:<repository id>:<sha>`: the same for every attempt */
  id: string;
  event: E;
  action: string | null;
  foundBy: 'webhook' | 'reconcile';
  tenant: { organizationId: string };
  project: { id: string; slug: string; name: string; fullName: string | null; githubRepoId: number };
  payload: E extends ProductEventName ? GitHubPayloads[E] : Record<string, unknown>;
}

/** Events that are about hubgate's own access, never forwarded (the lifecycle handlers consume them). */
export const lifecycleOnlyEvents: ReadonlySet<string> = new Set([
  'installation',
  'installation_repositories',
  'installation_target',
  'github_app_authorization',
  'ping',
  'meta',
]);
