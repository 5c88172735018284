import { createContext, type ReactNode, useContext, useEffect, useMemo } from 'react';
import { HubgateClient } from './api/client.ts';
import { ResourceStore, useResource } from './api/resources.ts';
import type { SignedInSession } from '@hubgate/contract';

interface HubgateContextValue {
  client: HubgateClient;
  session: SignedInSession;
  store: ResourceStore;
  /** the product's name, as the page copy uses it ("Tisket" in the sandbox) */
  productName: string;
}

const HubgateContext = createContext<HubgateContextValue | null>(null);

/**
 * Wraps the sections (`<GitHubConnection/>`, `<Projects/>`, `<AgentKeys/>`, `<GitHubApp/>`) when a SaaS embeds them
 * in its own React client: give it the signed-in session from `GET /api/session` and, optionally, a client whose
 * `baseUrl` points at hubgate.
 */
export function HubgateProvider(props: { session: SignedInSession; client?: HubgateClient; refreshMs?: number; children: ReactNode }) {
  const { session } = props;
  const value = useMemo(() => {
    const client = props.client ?? new HubgateClient();
    client.csrfToken = session.csrfToken;
    return { client, session, store: new ResourceStore(), productName: session.productName || 'hubgate' };
  }, [props.client, session]);
  useLiveRefresh(value.store, props.refreshMs ?? liveRefreshMs);
  return <HubgateContext.Provider value={value}>{props.children}</HubgateContext.Provider>;
}

/** How often an open, visible page asks again for what GitHub can change behind its back. */
export const liveRefreshMs = 10_000;
const liveResources = ['connection', 'projects'];

/**
 * GitHub changes the connection and the projects' repositories behind the page's back (a suspension, a repository
 * selected or removed, an uninstall): the page asks again when it comes back into view or gets the focus, and every
 * `refreshMs` while it is visible. Only resources the page has loaded are asked for.
 */
function useLiveRefresh(store: ResourceStore, refreshMs: number) {
  useEffect(() => {
    if (typeof document === 'undefined' || refreshMs <= 0) return;
    const refresh = () => {
      if (document.visibilityState === 'hidden') return;
      for (const key of liveResources) void store.reload(key);
    };
    const timer = setInterval(refresh, refreshMs);
    document.addEventListener('visibilitychange', refresh);
    window.addEventListener('focus', refresh);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', refresh);
      window.removeEventListener('focus', refresh);
    };
  }, [store, refreshMs]);
}

export function useHubgate(): HubgateContextValue {
  const value = useContext(HubgateContext);
  if (!value) throw new Error('hubgate sections must be rendered inside <HubgateProvider>');
  return value;
}

/** Admins change things; members see every state and no control that changes anything. */
export function useCanManage(): boolean {
  return useHubgate().session.isAdmin;
}

export function useConnection() {
  const { client, store } = useHubgate();
  return useResource(store, 'connection', client.connection);
}

export function useProjects() {
  const { client, store } = useHubgate();
  return useResource(store, 'projects', client.projects);
}

export function useAgentKeys() {
  const { client, store } = useHubgate();
  return useResource(store, 'agent-keys', client.agentKeys);
}

export function useTrustPolicies() {
  const { client, store } = useHubgate();
  return useResource(store, 'trust-policies', client.trustPolicies);
}

export function useEvents() {
  const { client, store } = useHubgate();
  return useResource(store, 'events', client.events);
}

export function useTenantApp() {
  const { client, store } = useHubgate();
  return useResource(store, 'tenant-app', client.tenantApp);
}
