/**
 * A trust policy's matcher against a claim's value: exact, or a glob where `*` stands for any run of characters
 * (none included) and every other character is itself. Only string claims match; anything else never does.
 */
export function claimMatches(pattern: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (!pattern.includes('*')) return pattern === value;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}
