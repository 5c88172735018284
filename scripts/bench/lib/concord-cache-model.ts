/**
 * A model of Concord's token cache as its pull request describes it: per process, keyed by the repository URL
 * as given (so `repo` and `repo.git` are two entries), 50 minutes per token, no refresh ahead.
 * Concord is Java; this model lets it run in the same benchmark as the others.
 */
export class ConcordCacheModel {
  private readonly entries = new Map<string, { token: string; at: number }>();
  constructor(private readonly mint: () => Promise<string>) {}

  async get(repoUrl: string): Promise<{ token: string; minted: boolean }> {
    const hit = this.entries.get(repoUrl);
    if (hit && Date.now() - hit.at < 50 * 60_000) return { token: hit.token, minted: false };
    const token = await this.mint();
    this.entries.set(repoUrl, { token, at: Date.now() });
    return { token, minted: true };
  }
}
