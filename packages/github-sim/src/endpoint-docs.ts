/**
 * Each route's page in GitHub's REST reference, as GitHub's error answers link it in `documentation_url` (the
 * `externalDocs` of the operation in GitHub's OpenAPI description; a test keeps the two equal).
 */
export const endpointDocs: Record<string, string> = {
  'GET /': 'https://docs.github.com/rest/meta/meta#github-api-root',
  'GET /meta': 'https://docs.github.com/rest/meta/meta#get-apiname-meta-information',
  'GET /repos/{owner}/{repo}/readme': 'https://docs.github.com/rest/repos/contents#get-a-repository-readme',
  'DELETE /app/installations/{installation_id}':
    'https://docs.github.com/rest/apps/apps#delete-an-installation-for-the-authenticated-app',
  'DELETE /app/installations/{installation_id}/suspended':
    'https://docs.github.com/rest/apps/apps#unsuspend-an-app-installation',
  'DELETE /applications/{client_id}/grant':
    'https://docs.github.com/rest/apps/oauth-applications#delete-an-app-authorization',
  'DELETE /applications/{client_id}/token':
    'https://docs.github.com/rest/apps/oauth-applications#delete-an-app-token',
  'DELETE /installation/token':
    'https://docs.github.com/rest/apps/installations#revoke-an-installation-access-token',
  'DELETE /repos/{owner}/{repo}':
    'https://docs.github.com/rest/repos/repos#delete-a-repository',
  'DELETE /repos/{owner}/{repo}/contents/{path}':
    'https://docs.github.com/rest/repos/contents#delete-a-file',
  'DELETE /user/installations/{installation_id}/repositories/{repository_id}':
    'https://docs.github.com/rest/apps/installations#remove-a-repository-from-an-app-installation',
  'GET /app':
    'https://docs.github.com/rest/apps/apps#get-the-authenticated-app',
  'GET /app/hook/deliveries':
    'https://docs.github.com/rest/apps/webhooks#list-deliveries-for-an-app-webhook',
  'GET /app/hook/deliveries/{delivery_id}':
    'https://docs.github.com/rest/apps/webhooks#get-a-delivery-for-an-app-webhook',
  'GET /app/installations':
    'https://docs.github.com/enterprise-server@3.9/rest/apps/apps#list-installations-for-the-authenticated-app',
  'GET /app/installations/{installation_id}':
    'https://docs.github.com/rest/apps/apps#get-an-installation-for-the-authenticated-app',
  'GET /installation/repositories':
    'https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation',
  'GET /orgs/{org}/installation':
    'https://docs.github.com/rest/apps/apps#get-an-organization-installation-for-the-authenticated-app',
  'GET /rate_limit':
    'https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user',
  'GET /repos/{owner}/{repo}':
    'https://docs.github.com/rest/repos/repos#get-a-repository',
  'GET /repos/{owner}/{repo}/branches':
    'https://docs.github.com/rest/branches/branches#list-branches',
  'GET /repos/{owner}/{repo}/commits':
    'https://docs.github.com/rest/commits/commits#list-commits',
  'GET /repos/{owner}/{repo}/contents/{path}':
    'https://docs.github.com/rest/repos/contents#get-repository-content',
  'GET /repos/{owner}/{repo}/git/matching-refs/{ref}':
    'https://docs.github.com/rest/git/refs#list-matching-references',
  'GET /repos/{owner}/{repo}/git/ref/{ref}':
    'https://docs.github.com/rest/git/refs#get-a-reference',
  'GET /repos/{owner}/{repo}/installation':
    'https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app',
  'GET /repos/{owner}/{repo}/pulls':
    'https://docs.github.com/rest/pulls/pulls#list-pull-requests',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}':
    'https://docs.github.com/rest/pulls/pulls#get-a-pull-request',
  'GET /user':
    'https://docs.github.com/rest/users/users#get-the-authenticated-user',
  'GET /user/installations':
    'https://docs.github.com/rest/apps/installations#list-app-installations-accessible-to-the-user-access-token',
  'GET /user/installations/{installation_id}/repositories':
    'https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-user-access-token',
  'GET /user/memberships/orgs/{org}':
    'https://docs.github.com/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user',
  'GET /users/{username}/installation':
    'https://docs.github.com/rest/apps/apps#get-a-user-installation-for-the-authenticated-app',
  'PATCH /repos/{owner}/{repo}':
    'https://docs.github.com/rest/repos/repos#update-a-repository',
  'PATCH /repos/{owner}/{repo}/pulls/{pull_number}':
    'https://docs.github.com/rest/pulls/pulls#update-a-pull-request',
  'POST /app-manifests/{code}/conversions':
    'https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest',
  'POST /app/hook/deliveries/{delivery_id}/attempts':
    'https://docs.github.com/rest/apps/webhooks#redeliver-a-delivery-for-an-app-webhook',
  'POST /app/installations/{installation_id}/access_tokens':
    'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app',
  'POST /orgs/{org}/repos':
    'https://docs.github.com/rest/repos/repos#create-an-organization-repository',
  'POST /repos/{owner}/{repo}/git/refs':
    'https://docs.github.com/rest/git/refs#create-a-reference',
  'POST /repos/{owner}/{repo}/pulls':
    'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
  'POST /repos/{owner}/{repo}/transfer':
    'https://docs.github.com/rest/repos/repos#transfer-a-repository',
  'POST /user/repos':
    'https://docs.github.com/rest/repos/repos#create-a-repository-for-the-authenticated-user',
  'PUT /app/installations/{installation_id}/suspended':
    'https://docs.github.com/rest/apps/apps#suspend-an-app-installation',
  'PUT /repos/{owner}/{repo}/contents/{path}':
    'https://docs.github.com/rest/repos/contents#create-or-update-file-contents',
  'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge':
    'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
  'PUT /user/installations/{installation_id}/repositories/{repository_id}':
    'https://docs.github.com/rest/apps/installations#add-a-repository-to-an-app-installation',
};

/** The generic page, for answers that are no route's (unknown paths). */
export const restDocs = 'https://docs.github.com/rest';
