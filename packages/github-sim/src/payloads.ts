import type { SimAccount, SimApp, SimInstallation, SimRepo, SimUser } from './model.js';

/** The simulator's two URL roots, GHES-shaped: REST under /api/v3, web pages at the root. */
export interface SimUrls {
  api: string;
  web: string;
}

/** Events every app gets without subscribing; GitHub never lists them among an app's or installation's events. */
const alwaysSent = new Set([
  'installation',
  'installation_repositories',
  'installation_target',
  'github_app_authorization',
  'meta',
]);

export const subscribableEvents = (events: string[]) => events.filter((e) => !alwaysSent.has(e));

const iso = (ms: number | null) =>
  ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `simple-user` of GitHub's OpenAPI description (used for users and organizations as accounts). */
export function simpleUser(urls: SimUrls, account: SimAccount) {
  const u = `${urls.api}/users/${account.login}`;
  return {
    login: account.login,
    id: account.id,
    node_id: account.nodeId,
    avatar_url: `${urls.web}/avatars/u/${account.id}`,
    gravatar_id: '',
    url: u,
    html_url: `${urls.web}/${account.login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: account.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** `organization-simple`: the organization in memberships and in webhook payloads. */
export function organizationSimple(urls: SimUrls, org: SimAccount) {
  const u = `${urls.api}/orgs/${org.login}`;
  return {
    login: org.login,
    id: org.id,
    node_id: org.nodeId,
    url: u,
    repos_url: `${u}/repos`,
    events_url: `${u}/events`,
    hooks_url: `${u}/hooks`,
    issues_url: `${u}/issues`,
    members_url: `${u}/members{/member}`,
    public_members_url: `${u}/public_members{/member}`,
    avatar_url: `${urls.web}/avatars/u/${org.id}`,
    description: null,
  };
}

/** `org-membership`: GET /user/memberships/orgs/{org}. */
export function orgMembership(urls: SimUrls, org: SimAccount, user: SimUser, role: 'admin' | 'member') {
  return {
    url: `${urls.api}/orgs/${org.login}/memberships/${user.login}`,
    state: 'active',
    role,
    organization_url: `${urls.api}/orgs/${org.login}`,
    organization: organizationSimple(urls, org),
    user: simpleUser(urls, user),
    permissions: { can_create_repository: role === 'admin' },
  };
}

/** `private-user`: what GET /user answers for the authenticated user. */
export function privateUser(urls: SimUrls, user: SimUser, counts: { ownedRepos: number }) {
  return {
    ...simpleUser(urls, user),
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    notification_email: user.email,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: iso(user.createdAt),
    updated_at: iso(user.createdAt),
    private_gists: 0,
    total_private_repos: counts.ownedRepos,
    owned_private_repos: counts.ownedRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
  };
}

/** `integration`: GET /app. */
export function integration(urls: SimUrls, app: SimApp, owner: SimAccount, installationsCount: number) {
  return {
    id: app.id,
    slug: app.slug,
    node_id: app.nodeId,
    client_id: app.clientId,
    owner: simpleUser(urls, owner),
    name: app.name,
    description: null,
    external_url: `${urls.web}/${app.slug}`,
    html_url: `${urls.web}/github-apps/${app.slug}`,
    created_at: iso(app.createdAt),
    updated_at: iso(app.updatedAt),
    permissions: app.permissions,
    events: subscribableEvents(app.events),
    installations_count: installationsCount,
  };
}

export function installationHtmlUrl(
  urls: SimUrls,
  installation: SimInstallation,
  account: SimAccount,
): string {
  return account.type === 'Organization'
    ? `${urls.web}/organizations/${account.login}/settings/installations/${installation.id}`
    : `${urls.web}/settings/installations/${installation.id}`;
}

/**
 * The account inside an installation. GitHub's published description of `GET /app/installations` types it as
 * `allOf [simple-user, enterprise]`, which also requires name, slug and the two dates: we send them, so that
 * answers validate against that description; clients ignore the extra fields.
 */
function installationAccount(urls: SimUrls, account: SimAccount) {
  return {
    ...simpleUser(urls, account),
    name: account.name,
    slug: account.login.toLowerCase(),
    created_at: iso(account.createdAt),
    updated_at: iso(account.createdAt),
    website_url: null,
    description: null,
  };
}

/** `installation`: GET /app/installations/{id} and the lookups. */
export function installation(
  urls: SimUrls,
  app: SimApp,
  inst: SimInstallation,
  account: SimAccount,
  suspendedBy: SimAccount | null,
) {
  return {
    id: inst.id,
    client_id: app.clientId,
    account: installationAccount(urls, account),
    repository_selection: inst.selection,
    access_tokens_url: `${urls.api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: installationHtmlUrl(urls, inst, account),
    app_id: app.id,
    app_slug: app.slug,
    target_id: account.id,
    target_type: account.type,
    permissions: inst.permissions,
    events: subscribableEvents(inst.events),
    created_at: iso(inst.createdAt),
    updated_at: iso(inst.updatedAt),
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: suspendedBy ? simpleUser(urls, suspendedBy) : null,
    suspended_at: iso(inst.suspendedAt),
  };
}

/** `repository` / `full-repository` (the latter adds a few counts). */
export function repository(
  urls: SimUrls,
  repo: SimRepo,
  owner: SimAccount,
  options: { full?: boolean } = {},
) {
  const fullName = `${owner.login}/${repo.name}`;
  const u = `${urls.api}/repos/${fullName}`;
  const base = {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: fullName,
    private: repo.private,
    owner: simpleUser(urls, owner),
    html_url: `${urls.web}/${fullName}`,
    description: repo.description,
    fork: false,
    url: u,
    archive_url: `${u}/{archive_format}{/ref}`,
    assignees_url: `${u}/assignees{/user}`,
    blobs_url: `${u}/git/blobs{/sha}`,
    branches_url: `${u}/branches{/branch}`,
    collaborators_url: `${u}/collaborators{/collaborator}`,
    comments_url: `${u}/comments{/number}`,
    commits_url: `${u}/commits{/sha}`,
    compare_url: `${u}/compare/{base}...{head}`,
    contents_url: `${u}/contents/{+path}`,
    contributors_url: `${u}/contributors`,
    deployments_url: `${u}/deployments`,
    downloads_url: `${u}/downloads`,
    events_url: `${u}/events`,
    forks_url: `${u}/forks`,
    git_commits_url: `${u}/git/commits{/sha}`,
    git_refs_url: `${u}/git/refs{/sha}`,
    git_tags_url: `${u}/git/tags{/sha}`,
    git_url: `${urls.web.replace(/^https?/, 'git')}/${fullName}.git`,
    issue_comment_url: `${u}/issues/comments{/number}`,
    issue_events_url: `${u}/issues/events{/number}`,
    issues_url: `${u}/issues{/number}`,
    keys_url: `${u}/keys{/key_id}`,
    labels_url: `${u}/labels{/name}`,
    languages_url: `${u}/languages`,
    merges_url: `${u}/merges`,
    milestones_url: `${u}/milestones{/number}`,
    notifications_url: `${u}/notifications{?since,all,participating}`,
    pulls_url: `${u}/pulls{/number}`,
    releases_url: `${u}/releases{/id}`,
    ssh_url: `git@${new URL(urls.web).host}:${fullName}.git`,
    stargazers_url: `${u}/stargazers`,
    statuses_url: `${u}/statuses/{sha}`,
    subscribers_url: `${u}/subscribers`,
    subscription_url: `${u}/subscription`,
    tags_url: `${u}/tags`,
    teams_url: `${u}/teams`,
    trees_url: `${u}/git/trees{/sha}`,
    clone_url: `${urls.web}/${fullName}.git`,
    mirror_url: null,
    hooks_url: `${u}/hooks`,
    svn_url: `${urls.web}/${fullName}`,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: repo.archived,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: iso(repo.pushedAt),
    created_at: iso(repo.createdAt),
    updated_at: iso(repo.updatedAt),
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
    forks: 0,
    open_issues: 0,
    watchers: 0,
  };
  if (!options.full) return base;
  return { ...base, network_count: 0, subscribers_count: 0 };
}

/** The short repository form inside installation webhooks. */
export function webhookRepositoryRef(repo: SimRepo, owner: SimAccount) {
  return {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: `${owner.login}/${repo.name}`,
    private: repo.private,
  };
}

export { iso as isoSeconds };
