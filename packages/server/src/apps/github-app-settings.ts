import type { GitHubAppSettings as LibraryAppSettings } from '@hubgate/github-auth';

/**
 * The library's one settings shape for a GitHub App (`@hubgate/github-auth`'s `GitHubAppSettings`, the same fields
 * its credential sources and `GITHUB_APP_*` env use), with what the service resolves for each app it serves: its key
 * (`system`, or a tenant app's random key, which is its webhook path), its URLs and secrets always present, and the
 * tenant that owns it.
 */
export type GitHubAppSettings = LibraryAppSettings & {
  key: string;
  apiUrl: string;
  webUrl: string;
  webhookSecrets: string[];
  organizationId?: string;
};
