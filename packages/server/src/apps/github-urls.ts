/**
 * The GitHub web pages an admin is sent to. github.com and GHE.com use `/apps/<slug>`, GHES `/github-apps/<slug>`;
 * an installation's settings page differs for organizations and personal accounts.
 */
export class GitHubUrls {
  constructor(
    private readonly webUrl: string,
    private readonly slug: string,
  ) {}

  private get isGhes(): boolean {
    const host = new URL(this.webUrl).hostname;
    return host !== 'github.com' && !host.endsWith('.ghe.com');
  }

  install(state: string): string {
    return `${this.webUrl}/${this.isGhes ? 'github-apps' : 'apps'}/${this.slug}/installations/new?state=${encodeURIComponent(state)}`;
  }

  authorize(clientId: string, state: string, redirectUri: string): string {
    const url = new URL(`${this.webUrl}/login/oauth/authorize`);
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('state', state);
    // After "Redirect on update" GitHub may send no code: let the admin pick the right account (github-facts.md).
    url.searchParams.set('prompt', 'select_account');
    return url.toString();
  }

  /** where an owner manages the installation, selects repositories and accepts new permissions */
  installation(account: { login: string; type: string }, installationId: number): string {
    return account.type === 'Organization'
      ? `${this.webUrl}/organizations/${account.login}/settings/installations/${installationId}`
      : `${this.webUrl}/settings/installations/${installationId}`;
  }
}
