import { useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { Connection } from '@hubgate/contract';
import { Button } from '../components/Button.tsx';
import { FieldError, Notice } from '../components/Notice.tsx';
import { useHubgate } from '../context.tsx';
import { accountKind } from '../format.ts';

/**
 * Installations the server knows of and no tenant holds (an owner approved a member's request, so GitHub sent no
 * state back). Claiming proves ownership through GitHub's user authorization before anything is bound.
 */
export function ClaimableInstallations({
  claimable,
  canManage,
}: {
  claimable: Extract<Connection, { connected: false }>['claimable'];
  canManage: boolean;
}) {
  const { client, productName } = useHubgate();
  const [pending, setPending] = useState<number | null>(null);
  const [error, setError] = useState<{ id: number; error: ApiError } | null>(null);
  return (
    <Notice tone="info" title={`${productName} was installed on GitHub and waits to be claimed.`}>
      <ul className="plain-list">
        {claimable.map(({ installationId, account }) => (
          <li key={installationId} className="row">
            <span>
              <strong>{account.login}</strong> <span className="muted">({accountKind(account.type)}, installation {installationId})</span>
            </span>
            {canManage ? (
              <span>
                <Button
                  variant="primary"
                  pending={pending === installationId}
                  pendingLabel="Opening GitHub…"
                  aria-describedby={error?.id === installationId ? `claim-error-${installationId}` : undefined}
                  onClick={async () => {
                    setPending(installationId);
                    setError(null);
                    try {
                      window.location.assign((await client.claim(installationId)).authorizeUrl);
                    } catch (e) {
                      setError({ id: installationId, error: e as ApiError });
                      setPending(null);
                    }
                  }}
                >
                  Claim {account.login}
                </Button>
                <FieldError id={`claim-error-${installationId}`} message={error?.id === installationId ? error.error.message : null} />
              </span>
            ) : (
              <span className="muted">An admin can claim it.</span>
            )}
          </li>
        ))}
      </ul>
    </Notice>
  );
}
