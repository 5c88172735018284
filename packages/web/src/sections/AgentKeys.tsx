import { type FormEvent, useId, useRef, useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { AgentKey, CreatedAgentKey } from '@hubgate/server/api-contract';
import { Button } from '../components/Button.tsx';
import { CopyField } from '../components/CopyField.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { Item, ItemList } from '../components/ItemList.tsx';
import { LoadFailed } from '../components/LoadFailed.tsx';
import { Notice } from '../components/Notice.tsx';
import { Badge, Loading, Section } from '../components/Section.tsx';
import { useAgentKeys, useCanManage, useHubgate } from '../context.tsx';
import { formatDate, formatDateTime } from '../format.ts';

/**
 * Agent keys: what servers and agents present to hubgate's token broker (`Authorization: Bearer hgk_...`).
 * A new key is shown once; revoking one takes effect at once.
 */
export function AgentKeys() {
  const keys = useAgentKeys();
  const canManage = useCanManage();
  const { productName } = useHubgate();
  const [created, setCreated] = useState<CreatedAgentKey | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const description = `Keys your servers and agents use to get short-lived GitHub tokens from ${productName} for your projects' repositories.`;

  if (keys.error?.missingEndpoint) {
    return (
      <Section title="Agent keys" description={description}>
        <p className="muted">Agent keys are not available on this server yet.</p>
      </Section>
    );
  }
  const list = keys.data?.keys;
  const active = list?.filter((k) => !k.revokedAt) ?? [];
  const revokedKeys = list?.filter((k) => k.revokedAt) ?? [];
  return (
    <Section title="Agent keys" description={description}>
      {keys.error && !list ? (
        <LoadFailed what="The agent keys" error={keys.error} retry={() => void keys.reload()} />
      ) : !list ? (
        <Loading what="agent keys" />
      ) : (
        <div className="stack">
          {created && (
            <Notice tone="success" title={`Created the key “${created.name}”. Copy it now: it is not shown again.`}>
              <CopyField label={`Agent key ${created.name}`} value={created.key} />
              <p>
                <Button onClick={() => setCreated(null)}>I have stored it</Button>
              </p>
            </Notice>
          )}
          {revoked && <Notice tone="success" title={`Revoked the key “${revoked}”.`} />}
          {active.length === 0 ? (
            <p className="empty">No active agent keys.</p>
          ) : (
            <KeyList
              label="Active agent keys"
              keys={active}
              onRevoked={(name) => {
                setRevoked(name);
                setCreated(null);
                void keys.reload();
              }}
            />
          )}
          {revokedKeys.length > 0 && (
            <details>
              <summary>Revoked keys ({revokedKeys.length})</summary>
              <KeyList label="Revoked agent keys" keys={revokedKeys} onRevoked={() => {}} />
            </details>
          )}
          {canManage && (
            <CreateKey
              onCreated={(key) => {
                setCreated(key);
                setRevoked(null);
                void keys.reload();
              }}
            />
          )}
        </div>
      )}
    </Section>
  );
}

function KeyList({ label, keys, onRevoked }: { label: string; keys: AgentKey[]; onRevoked: (name: string) => void }) {
  const canManage = useCanManage();
  const [revoking, setRevoking] = useState<AgentKey | null>(null);
  const opener = useRef<HTMLButtonElement | null>(null);
  return (
    <>
      <ItemList label={label}>
        {keys.map((key) => (
          <Item
            key={key.id}
            title={key.name}
            details={<div className="muted mono">{key.prefix}…</div>}
            side={
              <>
                {key.revokedAt ? (
                  <Badge tone="danger">Revoked {formatDate(key.revokedAt)}</Badge>
                ) : (
                  <span className="muted small">{key.lastUsedAt ? `Last used ${formatDateTime(key.lastUsedAt)}` : 'Never used'}</span>
                )}
                <span className="muted small">Created {formatDate(key.createdAt)}</span>
                {canManage && !key.revokedAt && (
                  <Button
                    variant="danger"
                    aria-label={`Revoke ${key.name}`}
                    onClick={(e) => {
                      opener.current = e.currentTarget;
                      setRevoking(key);
                    }}
                  >
                    Revoke
                  </Button>
                )}
              </>
            }
          />
        ))}
      </ItemList>
      {revoking && (
        <RevokeDialog
          agentKey={revoking}
          onClose={() => {
            setRevoking(null);
            opener.current?.focus();
          }}
          onDone={() => {
            const name = revoking.name;
            setRevoking(null);
            onRevoked(name);
          }}
        />
      )}
    </>
  );
}

function RevokeDialog({ agentKey, onClose, onDone }: { agentKey: AgentKey; onClose: () => void; onDone: () => void }) {
  const { client } = useHubgate();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <Dialog
      open
      title={`Revoke the key “${agentKey.name}”?`}
      onClose={() => !pending && onClose()}
      footer={
        <>
          <Button onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button
            variant="destructive"
            pending={pending}
            pendingLabel="Revoking…"
            onClick={async () => {
              setPending(true);
              setError(null);
              try {
                await client.revokeAgentKey(agentKey.id);
                onDone();
              } catch (e) {
                setError(e as ApiError);
                setPending(false);
              }
            }}
          >
            Revoke key
          </Button>
        </>
      }
    >
      <p>
        Anything still using <span className="mono">{agentKey.prefix}…</span> can no longer get tokens from the broker. Tokens it
        already holds expire within the hour. This cannot be undone.
      </p>
      {error && (
        <Notice tone="error" title="The key was not revoked.">
          <p>{error.message}</p>
        </Notice>
      )}
    </Dialog>
  );
}

function CreateKey({ onCreated }: { onCreated: (key: CreatedAgentKey) => void }) {
  const { client } = useHubgate();
  const [name, setName] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const nameId = useId();
  const errorId = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    const invalid = trimmed === '' ? 'Enter a name that says where the key is used.' : trimmed.length > 100 ? 'At most 100 characters fit.' : null;
    if (invalid) {
      setError(invalid);
      input.current?.focus();
      return;
    }
    setPending(true);
    setError(null);
    try {
      onCreated(await client.createAgentKey(trimmed));
      setName('');
    } catch (e) {
      setError((e as ApiError).message);
      input.current?.focus();
    } finally {
      setPending(false);
    }
  };
  return (
    <form className="subsection" onSubmit={submit} noValidate aria-label="Create an agent key">
      <h3>Create an agent key</h3>
      <div className="form-row">
        <div className="field grow">
          <label htmlFor={nameId}>Key name</label>
          <input
            id={nameId}
            ref={input}
            className="input"
            value={name}
            placeholder="e.g. ci-runner"
            autoComplete="off"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            disabled={pending}
            onChange={(e) => setName(e.currentTarget.value)}
          />
        </div>
        <div className="field field-button">
          <Button type="submit" variant="primary" pending={pending} pendingLabel="Creating…">
            Create key
          </Button>
        </div>
      </div>
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
