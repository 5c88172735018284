import { useRef, useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { Connection, DisconnectResult } from '@hubgate/contract';
import { Button, ButtonLink } from '../components/Button.tsx';
import { FieldError, Notice } from '../components/Notice.tsx';
import { Loading, Section } from '../components/Section.tsx';
import { useCanManage, useConnection, useHubgate } from '../context.tsx';
import { accountKind, connectionState, formatDate } from '../format.ts';
import { ClaimableInstallations } from './ClaimableInstallations.tsx';
import { DisconnectDialog } from './DisconnectDialog.tsx';
import { ReconnectResults } from './ReconnectResults.tsx';

export type ReturnNotice = 'connected' | 'reconnected' | null;

/**
 * The GitHub Connection section: every state a tenant's connection can be in, with Connect, Reconnect, Claim,
 * Manage on GitHub and Disconnect for admins. `returned` is what GitHub's redirect back said (`?connected=1`).
 */
export function GitHubConnection({ returned = null }: { returned?: ReturnNotice }) {
  const connection = useConnection();
  const { store } = useHubgate();
  const [disconnected, setDisconnected] = useState<DisconnectResult & { login: string } | null>(null);
  const doneRef = useRef<HTMLDivElement>(null);

  let body;
  if (connection.error && !connection.data) {
    body = (
      <Notice tone="error" title="The connection could not be loaded.">
        <p>{connection.error.message}</p>
        <p>
          <Button onClick={() => void connection.reload()} pending={connection.loading} pendingLabel="Retrying…">
            Try again
          </Button>
        </p>
      </Notice>
    );
  } else if (!connection.data) {
    body = <Loading what="the GitHub connection" />;
  } else {
    body = (
      <ConnectionBody
        connection={connection.data}
        returned={disconnected ? null : returned}
        onDisconnected={(result, login) => {
          setDisconnected({ ...result, login });
          void store.reload('connection');
          void store.reload('projects');
          requestAnimationFrame(() => doneRef.current?.focus());
        }}
      />
    );
  }
  return (
    <Section title="GitHub Connection">
      {disconnected && (
        <div ref={doneRef} tabIndex={-1} className="focus-target">
          <Notice tone="success" title={`Disconnected from ${disconnected.login}.`}>
            <p>
              {disconnected.revokedTokens === 1 ? '1 token was' : `${disconnected.revokedTokens} tokens were`} revoked.{' '}
              {disconnected.uninstalled ? 'The app was uninstalled on GitHub.' : 'The app is still installed on GitHub.'}
            </p>
          </Notice>
        </div>
      )}
      {body}
    </Section>
  );
}

function ConnectionBody({
  connection: c,
  returned,
  onDisconnected,
}: {
  connection: Connection;
  returned: ReturnNotice;
  onDisconnected: (result: DisconnectResult, login: string) => void;
}) {
  const { productName } = useHubgate();
  const canManage = useCanManage() && c.canManage !== false;
  const state = connectionState(c);
  const [dialogOpen, setDialogOpen] = useState(false);
  const disconnectButton = useRef<HTMLButtonElement>(null);
  // the contract's two shapes: a live installation, or none (with what there was before)
  const live = c.connected ? c : null;
  const ended = c.connected ? null : c;
  const account = live?.account;
  const uninstalledFrom = ended?.previous?.account.login ?? account?.login;
  // After a plain Disconnect the app is still installed on the same account, and so claimable: one call to action
  // for it ("Reconnect GitHub", which claims it), not a Claim button beside a Reconnect button.
  const reclaim = ended?.previous ? ended.claimable.find((i) => i.account.login === ended.previous!.account.login) : undefined;
  const otherClaimable = ended?.claimable.filter((i) => i !== reclaim) ?? [];

  return (
    <div className="stack">
      {returned === 'connected' && (state === 'connected' || state === 'suspended') && (
        <Notice tone="success" title="GitHub is connected." />
      )}
      {returned === 'reconnected' && (state === 'connected' || state === 'suspended') && (
        <Notice tone="success" title="GitHub is connected again." />
      )}
      {otherClaimable.length > 0 && <ClaimableInstallations claimable={otherClaimable} canManage={canManage} />}

      {(state === 'connected' || state === 'suspended') && account && (
        <>
          <div>
            {state === 'suspended' ? (
              <p className="status status-warning">
                {/* an SVG, not "⏸": not every system font has that glyph */}
                <svg className="status-icon" aria-hidden="true" viewBox="0 0 16 16" width="14" height="14">
                  <rect x="3" y="2" width="3.5" height="12" rx="1" fill="currentColor" />
                  <rect x="9.5" y="2" width="3.5" height="12" rx="1" fill="currentColor" />
                </svg>{' '}
                Connected to <strong>{account.login}</strong>, suspended
              </p>
            ) : (
              <p className="status status-ok">
                <span aria-hidden="true">✓ </span>Connected to <strong>{account.login}</strong>
              </p>
            )}
            <p className="muted">
              {accountKind(account.type)}
              {live?.installedAt && <> · Installed {formatDate(live?.installedAt)}</>}
              {live?.repositorySelection && (
                <> · {live?.repositorySelection === 'all' ? 'All repositories' : 'Only select repositories'}</>
              )}
            </p>
          </div>
          {state === 'suspended' && (
            <Notice tone="warning" title={`Suspended on GitHub${live?.suspendedAt ? ` since ${formatDate(live?.suspendedAt)}` : ''}.`}>
              <p>
                {productName} cannot reach your repositories or issue tokens until an owner of {account.login} unsuspends the
                app in its installation settings on GitHub (Manage on GitHub).
              </p>
            </Notice>
          )}
          {live?.repositorySelection === 'all' && (
            <Notice tone="warning" title={`“All repositories” is selected for ${productName} on GitHub.`}>
              <p>
                {/* The page's own words rather than the server's `warning`, which names the service, not the product. */}
                This installation can see every repository of the account. {productName} only asks for tokens scoped to
                the repositories it created, but "Only select repositories" is safer. To change it, open Manage on GitHub, choose <strong>Only select repositories</strong> and save.
              </p>
            </Notice>
          )}
          {live?.pendingPermissions && (
            <Notice tone="warning" title="New permissions are waiting for approval on GitHub.">
              <p>
                An owner of {account.login} must accept:{' '}
                {Object.entries(live?.pendingPermissions.permissions)
                  .map(([name, level]) => `${name.replaceAll('_', ' ')} (${level})`)
                  .join(', ')}
                .
              </p>
              {canManage && (
                <p>
                  <ButtonLink href={live?.pendingPermissions.acceptUrl} external>
                    Review permissions on GitHub
                  </ButtonLink>
                </p>
              )}
            </Notice>
          )}
          {live?.missingPermissions && live?.missingPermissions.length > 0 && (
            <Notice tone="warning" title="The installation lacks permissions it needs.">
              <p>Missing: {live?.missingPermissions.map((p) => p.replaceAll('_', ' ')).join(', ')}. Some actions will fail until an owner grants them on GitHub.</p>
            </Notice>
          )}
          {canManage && (
            <div className="actions">
              {live?.manageUrl && (
                <ButtonLink href={live?.manageUrl} external>
                  Manage on GitHub
                </ButtonLink>
              )}
              <Button variant="danger" ref={disconnectButton} onClick={() => setDialogOpen(true)}>
                Disconnect
              </Button>
            </div>
          )}
          <DisconnectDialog
            open={dialogOpen}
            account={account}
            repositorySelection={live?.repositorySelection ?? 'selected'}
            onClose={() => {
              setDialogOpen(false);
              disconnectButton.current?.focus();
            }}
            onDone={(result) => {
              setDialogOpen(false);
              onDisconnected(result, account.login);
            }}
          />
        </>
      )}

      {state === 'uninstalled' && (
        <>
          <p className="status status-danger">
            The {productName} app was uninstalled{uninstalledFrom ? <> from <strong>{uninstalledFrom}</strong></> : null} on GitHub.
            {ended?.previous?.disconnectedAt && <span className="muted"> · {formatDate(ended?.previous.disconnectedAt)}</span>}
          </p>
          <p>
            {productName} can no longer reach your projects' repositories. They are still on GitHub: reconnect to restore access.
          </p>
          <ConnectButton label="Reconnect GitHub" canManage={canManage} />
        </>
      )}

      {state === 'previously_connected' && (
        <>
          <p className="status">
            Previously connected to <strong>{ended?.previous?.account.login ?? account?.login ?? 'a GitHub account'}</strong>
            {ended?.previous?.disconnectedAt && <span className="muted"> · {ended?.previous.reason === 'uninstalled' ? 'Uninstalled' : 'Disconnected'} {formatDate(ended?.previous.disconnectedAt)}</span>}
          </p>
          {reclaim ? (
            <p>
              The {productName} app is still installed on {reclaim.account.login}. Reconnect to give {productName} back access to
              the repositories it created for your projects: GitHub asks you to confirm that you own the account.
            </p>
          ) : (
            <p>
              Reconnect to give {productName} back access to the repositories it created for your projects. When prompted,
              select "Only select repositories".
            </p>
          )}
          <ConnectButton label="Reconnect GitHub" canManage={canManage} claimInstallationId={reclaim?.installationId} />
        </>
      )}

      {state === 'disconnected' && (
        <>
          <p>Connect your GitHub organization or account to store projects and tickets in your own repos.</p>
          <p className="muted">
            When prompted, select "Only select repositories". {productName} will only access repos it creates for your projects
            and teams - never your codebases.
          </p>
          <ConnectButton label="Connect GitHub" canManage={canManage} />
        </>
      )}

      <ReconnectResults initial={c.reconnect ?? null} poll={returned === 'reconnected'} />
    </div>
  );
}

/** Connects through GitHub's install page, or (`claimInstallationId`) claims an installation that is still there. */
function ConnectButton({ label, canManage, claimInstallationId }: { label: string; canManage: boolean; claimInstallationId?: number }) {
  const { client } = useHubgate();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (!canManage) return <p className="muted">Only organization admins can connect GitHub.</p>;
  return (
    <div className="actions-block">
      <Button
        variant="primary"
        pending={pending}
        pendingLabel="Opening GitHub…"
        aria-describedby={error ? 'connect-error' : undefined}
        onClick={async () => {
          setPending(true);
          setError(null);
          try {
            const next = claimInstallationId ? (await client.claim(claimInstallationId)).authorizeUrl : (await client.connect()).installUrl;
            window.location.assign(next);
          } catch (e) {
            setError(e as ApiError);
            setPending(false);
          }
        }}
      >
        {label}
      </Button>
      <FieldError id="connect-error" message={error?.message} />
    </div>
  );
}
