import { useId, useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { Account, DisconnectResult } from '@hubgate/contract';
import { Button } from '../components/Button.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { Notice } from '../components/Notice.tsx';
import { useHubgate } from '../context.tsx';

/** Says what disconnecting does before it happens, and offers to uninstall the app on GitHub as well. */
export function DisconnectDialog({
  open,
  account,
  repositorySelection,
  onClose,
  onDone,
}: {
  open: boolean;
  account: Account;
  repositorySelection: 'all' | 'selected';
  onClose: () => void;
  onDone: (result: DisconnectResult) => void;
}) {
  const { client, productName } = useHubgate();
  const [uninstall, setUninstall] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const checkboxId = useId();
  const hintId = useId();
  const close = () => {
    if (pending) return;
    setError(null);
    setUninstall(false);
    onClose();
  };
  return (
    <Dialog
      open={open}
      title={`Disconnect GitHub from ${account.login}?`}
      onClose={close}
      footer={
        <>
          <Button onClick={close} disabled={pending}>
            Cancel
          </Button>
          <Button
            variant="destructive"
            pending={pending}
            pendingLabel="Disconnecting…"
            onClick={async () => {
              setPending(true);
              setError(null);
              try {
                const result = await client.disconnect(uninstall);
                setPending(false);
                setUninstall(false);
                onDone(result);
              } catch (e) {
                setError(e as ApiError);
                setPending(false);
              }
            }}
          >
            {uninstall ? 'Disconnect and uninstall' : 'Disconnect'}
          </Button>
        </>
      }
    >
      <ul className="plain-list">
        <li>{productName} stops using the installation on {account.login} at once: the tokens it issued are revoked, and agents can no longer reach its repositories.</li>
        <li>The repositories and everything in them stay on GitHub, and your projects are kept here.</li>
        <li>{afterwards(productName, account.login, uninstall, repositorySelection)}</li>
      </ul>
      <div className="checkbox-field">
        <input
          id={checkboxId}
          type="checkbox"
          checked={uninstall}
          disabled={pending}
          aria-describedby={hintId}
          onChange={(e) => setUninstall(e.currentTarget.checked)}
        />
        <label htmlFor={checkboxId}>Also uninstall the {productName} app from {account.login} on GitHub</label>
      </div>
      <p className="hint" id={hintId}>
        GitHub then removes the app and every access it had. Leave this unticked to keep the app installed (you can remove it
        later in Manage on GitHub).
      </p>
      {error && (
        <Notice tone="error" title="GitHub was not disconnected.">
          <p>{error.message}</p>
        </Notice>
      )}
    </Dialog>
  );
}

/** What reconnecting later will really do, which depends on whether the installation (and its selection) stays. */
export function afterwards(productName: string, login: string, uninstall: boolean, selection: 'all' | 'selected'): string {
  if (!uninstall)
    return `The app stays installed on ${login} with the repositories selected for it: reconnecting later restores access to the same repositories.`;
  if (selection === 'all')
    return `Installing the app again later with “All repositories” restores access to every project repository; with “Only select repositories”, only to those you select then.`;
  return `GitHub forgets which repositories the app had: installing it again later restores access only to the repositories you select then, and ${productName} lists the projects whose repositories are still to select.`;
}
