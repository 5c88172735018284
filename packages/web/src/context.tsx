import { createContext, type ReactNode, useContext, useMemo } from 'react';
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
export function HubgateProvider(props: { session: SignedInSession; client?: HubgateClient; children: ReactNode }) {
  const { session } = props;
  const value = useMemo(() => {
    const client = props.client ?? new HubgateClient();
    client.csrfToken = session.csrfToken;
    return { client, session, store: new ResourceStore(), productName: session.productName || 'hubgate' };
  }, [props.client, session]);
  return <HubgateContext.Provider value={value}>{props.children}</HubgateContext.Provider>;
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

export function useTenantApp() {
  const { client, store } = useHubgate();
  return useResource(store, 'tenant-app', client.tenantApp);
}
