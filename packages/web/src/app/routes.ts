import { useEffect, useState } from 'react';

export const pages = [
  { path: '/workspace/settings/repos', label: 'Repositories' },
  { path: '/workspace/settings/agent-keys', label: 'Agent keys' },
  { path: '/workspace/settings/events', label: 'Events' },
  { path: '/workspace/settings/github-app', label: 'GitHub App' },
] as const;
export type PagePath = (typeof pages)[number]['path'];

const known = (path: string): PagePath => pages.find((p) => p.path === path.replace(/\/+$/, ''))?.path ?? '/workspace/settings/repos';

/** The settings page shown, from the address bar; in-app links push history instead of reloading. */
export function useRoute(): [PagePath, (path: PagePath) => void] {
  const [path, setPath] = useState<PagePath>(() => known(window.location.pathname));
  useEffect(() => {
    const onPop = () => setPath(known(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (next: PagePath) => {
    window.history.pushState(null, '', next);
    setPath(next);
  };
  return [path, navigate];
}
