import type { InstallationTokenRequest } from '@hubgate/github-auth';
import type { GitHubApp } from '../apps/github-app.js';

/** The fields of GitHub's repository object that projects keep. */
export interface GitHubRepo {
  id: number;
  name: string;
  full_name: string;
  html_url: string;
  private: boolean;
  description?: string | null;
  owner: { id: number; login: string; type?: string };
}

export interface NewRepo {
  name: string;
  description: string;
  private: boolean;
}

/**
 * The repository calls of projects, each with the narrowest credential GitHub accepts for it: an installation
 * token scoped to the permission the call needs (Administration: write to create, Metadata: read to look), or,
 * in a personal account where installation tokens cannot create repositories, the admin's user token. Requests go
 * through the app's own Octokits, so a tenant app's requests pass its outbound guard.
 */
export class GitHubRepos {
  private asInstallation(app: GitHubApp, tokenRequest: InstallationTokenRequest) {
    return app.asInstallation(tokenRequest);
  }

  /** `POST /orgs/{org}/repos` (installation token, Administration: write). */
  async createInOrganization(app: GitHubApp, installationId: number, org: string, repo: NewRepo): Promise<GitHubRepo> {
    const octokit = this.asInstallation(app, { installationId, permissions: { administration: 'write' } });
    const { data } = await octokit.request('POST /orgs/{org}/repos', { org, ...repo, auto_init: false });
    return data as GitHubRepo;
  }

  /** `POST /user/repos` (user access token only: GitHub refuses installation tokens for personal accounts). */
  async createForUser(app: GitHubApp, userToken: string, repo: NewRepo): Promise<GitHubRepo> {
    const { data } = await app.asUser(userToken).request('POST /user/repos', { ...repo, auto_init: false });
    return data as GitHubRepo;
  }

  /**
   * The repository called `owner/name` if the installation reaches it, or null (GitHub answers 404 both for "no
   * such repository" and "not yours to see"). A redirect to a renamed repository is not a match.
   */
  async findByName(app: GitHubApp, installationId: number, owner: string, name: string): Promise<GitHubRepo | null> {
    const octokit = this.asInstallation(app, { installationId, permissions: { metadata: 'read' } });
    try {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}', { owner, repo: name });
      const repo = data as GitHubRepo;
      return repo.full_name.toLowerCase() === `${owner}/${name}`.toLowerCase() ? repo : null;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw error;
    }
  }

  /** The repository with this id, through a token scoped to it (null when the installation no longer reaches it). */
  async byId(app: GitHubApp, installationId: number, repositoryId: number): Promise<GitHubRepo | null> {
    const octokit = this.asInstallation(app, { installationId, repositoryIds: [repositoryId], permissions: { metadata: 'read' } });
    try {
      const { data } = await octokit.request('GET /repositories/{repository_id}', { repository_id: repositoryId });
      return data as GitHubRepo;
    } catch (error) {
      const status = (error as { status?: number }).status;
      // A token cannot even be minted for a repository the installation does not reach (422).
      if (status === 404 || status === 422) return null;
      throw error;
    }
  }
}
