import { useEffect, useRef, useState } from 'react';
import { HubgateClient } from '../api/client.ts';
import type { Session, SignedInSession } from '@hubgate/contract';
import { ButtonLink } from '../components/Button.tsx';
import { Notice } from '../components/Notice.tsx';
import { Loading } from '../components/Section.tsx';
import { HubgateProvider } from '../context.tsx';
import { TrustPolicies } from '../sections/TrustPolicies.tsx';
import { AgentKeys } from '../sections/AgentKeys.tsx';
import { EventSettings } from '../sections/EventSettings.tsx';
import { GitHubApp } from '../sections/GitHubApp.tsx';
import { GitHubConnection, type ReturnNotice } from '../sections/GitHubConnection.tsx';
import { Projects } from '../sections/Projects.tsx';
import { type PagePath, pages, useRoute } from './routes.ts';
import { UserMenu } from './UserMenu.tsx';

/** What GitHub's redirect back said, read once and removed from the address bar. */
function takeReturnNotice(): ReturnNotice {
  const params = new URLSearchParams(window.location.search);
  const notice: ReturnNotice = params.get('reconnected') === '1' ? 'reconnected' : params.get('connected') === '1' ? 'connected' : null;
  if (notice) window.history.replaceState(null, '', window.location.pathname);
  return notice;
}

/** The identity provider sends the browser back here with `signed_out=1` once its session has ended too. */
function takeSignedOut(): boolean {
  const params = new URLSearchParams(window.location.search);
  if (params.get('signed_out') !== '1') return false;
  window.history.replaceState(null, '', window.location.pathname);
  return true;
}

/** The standalone settings area: the app frame (product, organization, user menu) around the sections. */
export function SettingsApp(props: { client?: HubgateClient }) {
  const [client] = useState(() => props.client ?? new HubgateClient());
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [signedOut] = useState(takeSignedOut);
  const [returned] = useState(takeReturnNotice);

  useEffect(() => {
    client.session().then(setSession, (e: Error) => setError(e.message));
  }, [client]);

  const productName = session?.productName || 'hubgate';
  if (error)
    return (
      <Frame productName={productName}>
        <Notice tone="error" title="The settings could not be loaded.">
          <p>{error}</p>
        </Notice>
      </Frame>
    );
  if (!session)
    return (
      <Frame productName={productName}>
        <Loading what="your session" />
      </Frame>
    );
  if (!session.signedIn)
    return (
      <Frame productName={productName}>
        <div className="signin card">
          <h1>{signedOut ? 'You are signed out' : 'Sign in to see your settings'}</h1>
          <p className="muted">Your organization’s GitHub connection, projects and agent keys are here.</p>
          <ButtonLink variant="primary" href={client.signInUrl(window.location.pathname)}>
            Sign in
          </ButtonLink>
        </div>
      </Frame>
    );
  return (
    <HubgateProvider session={session} client={client}>
      <SignedIn
        session={session}
        returned={returned}
        onSignOut={async () => {
          client.csrfToken = session.csrfToken;
          const { next } = await client.signOut();
          // A full navigation: the provider ends its own session (its cookies are not ours to clear) and sends
          // the browser back to the signed-out page.
          window.location.assign(next);
        }}
      />
    </HubgateProvider>
  );
}

function SignedIn({ session, returned, onSignOut }: { session: SignedInSession; returned: ReturnNotice; onSignOut: () => Promise<void> }) {
  const [path, navigate] = useRoute();
  const productName = session.productName || 'hubgate';
  const orgName = session.organization?.name || session.organization?.id || session.organizationId;
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = useRef<string | null>(null);
  const page = pages.find((p) => p.path === path)!;

  useEffect(() => {
    document.title = `${page.label} · Settings · ${productName}`;
    // After an in-app navigation (not the first load), move focus to the new page's heading so screen readers
    // announce it.
    if (shown.current !== null && shown.current !== page.path) heading.current?.focus();
    shown.current = page.path;
  }, [page.label, page.path, productName]);

  return (
    <Frame productName={productName} orgName={orgName ?? undefined} menu={<UserMenu session={session} onSignOut={onSignOut} />}>
      <nav className="tabs" aria-label="Settings">
        {pages.map((p) => (
          <a
            key={p.path}
            href={p.path}
            className="tab"
            aria-current={p.path === path ? 'page' : undefined}
            onClick={(e) => {
              if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
              e.preventDefault();
              navigate(p.path as PagePath);
            }}
          >
            {p.label}
          </a>
        ))}
      </nav>
      <h1 ref={heading} tabIndex={-1} className="page-title">
        {page.label}
      </h1>
      {!session.organizationId ? (
        <Notice tone="warning" title="Your sign-in carries no organization.">
          <p>Ask your identity provider’s administrator to add you to an organization.</p>
        </Notice>
      ) : path === '/workspace/settings/repos' ? (
        <>
          <GitHubConnection returned={returned} />
          <Projects />
        </>
      ) : path === '/workspace/settings/agent-keys' ? (
        <>
          <AgentKeys />
          <TrustPolicies />
        </>
      ) : path === '/workspace/settings/events' ? (
        <EventSettings />
      ) : (
        <GitHubApp />
      )}
    </Frame>
  );
}

function Frame({ productName, orgName, menu, children }: { productName: string; orgName?: string; menu?: React.ReactNode; children: React.ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <div className="brand">
            <img src="/favicon.svg" alt="" width="24" height="24" />
            <span className="product">{productName}</span>
            {orgName && (
              <>
                <span className="sep" aria-hidden="true">/</span>
                <span className="org" title="Organization">
                  <span className="visually-hidden">Organization: </span>
                  {orgName}
                </span>
              </>
            )}
          </div>
          {menu}
        </div>
      </header>
      <main id="main" className="main">
        {children}
      </main>
    </>
  );
}
