import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { defaultRepoNamePatterns, repoNameFor, slugify } from '../src/projects/repo-naming.js';

describe('project repository names', () => {
  it('makes slugs GitHub accepts from what people type', () => {
    expect(slugify('Developer guide')).toBe('developer-guide');
    expect(slugify('  Équipe Backend / API v2 ')).toBe('equipe-backend-api-v2');
    expect(slugify('!!!')).toBe('');
  });

  it('names repositories by kind: {slug}.tickets for projects and teams, {slug} for guides', () => {
    expect(repoNameFor('engineering', 'project', defaultRepoNamePatterns)).toBe('engineering.tickets');
    expect(repoNameFor('platform', 'team', defaultRepoNamePatterns)).toBe('platform.tickets');
    expect(repoNameFor('developer-guide', 'guide', defaultRepoNamePatterns)).toBe('developer-guide');
  });

  it('takes patterns from the configuration and names a pattern GitHub would refuse', () => {
    expect(loadConfig({ HUBGATE_REPO_NAME_PROJECT: 'tickets-{slug}' }).repoNamePatterns.project).toBe('tickets-{slug}');
    expect(() => loadConfig({ HUBGATE_REPO_NAME_TEAM: 'team' })).toThrow(ConfigError);
    expect(() => loadConfig({ HUBGATE_REPO_NAME_TEAM: 'team' })).toThrow(/HUBGATE_REPO_NAME_TEAM: .*must contain \{slug\}/);
    expect(() => loadConfig({ HUBGATE_REPO_NAME_GUIDE: '{slug}/docs' })).toThrow(/HUBGATE_REPO_NAME_GUIDE: .*GitHub refuses/);
  });
});
