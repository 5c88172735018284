import { type FormEvent, Fragment, useId, useRef, useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { AgentGrant, CreateTrustPolicyBody, TrustPolicy } from '@hubgate/contract';
import { Button } from '../components/Button.tsx';
import { CopyField } from '../components/CopyField.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { Item, ItemList } from '../components/ItemList.tsx';
import { LoadFailed } from '../components/LoadFailed.tsx';
import { Notice } from '../components/Notice.tsx';
import { Loading, Section } from '../components/Section.tsx';
import { useCanManage, useHubgate, useProjects, useTrustPolicies } from '../context.tsx';
import { formatDate, formatDateTime } from '../format.ts';
import { grantText } from './agent-grant-text.ts';

/**
 * Trust policies: which CI jobs and pods may exchange their OpenID ID token for repository tokens, with no key
 * stored anywhere (docs/workload-identity.md). Members see them; admins add and delete them.
 */
export function TrustPolicies() {
  const policies = useTrustPolicies();
  const canManage = useCanManage();
  const [deleted, setDeleted] = useState<{ name: string; tokens: number } | null>(null);
  const description = 'Workloads with an identity of their own (a GitHub Actions job, a Kubernetes pod) get tokens without an agent key.';
  if (policies.error?.missingEndpoint) return null;
  const data = policies.data;
  return (
    <Section title="Workload identity" description={description}>
      {policies.error && !data ? (
        <LoadFailed what="The trust policies" error={policies.error} retry={() => void policies.reload()} />
      ) : !data ? (
        <Loading what="trust policies" />
      ) : (
        <div className="stack">
          <CopyField label="Audience for your ID tokens" value={data.audience} />
          {deleted && (
            <Notice
              tone="success"
              title={`Deleted the policy “${deleted.name}”${deleted.tokens > 0 ? ` and revoked the ${deleted.tokens} token${deleted.tokens === 1 ? '' : 's'} exchanged under it` : ''}.`}
            />
          )}
          {data.policies.length === 0 ? (
            <p className="empty">No trust policies.</p>
          ) : (
            <PolicyList
              policies={data.policies}
              onDeleted={(name, tokens) => {
                setDeleted({ name, tokens });
                void policies.reload();
              }}
            />
          )}
          {!canManage && <p className="muted small">Only organization admins can create or delete trust policies.</p>}
          {canManage && (
            <CreatePolicy
              onCreated={() => {
                setDeleted(null);
                void policies.reload();
              }}
            />
          )}
        </div>
      )}
    </Section>
  );
}

function PolicyList({ policies, onDeleted }: { policies: TrustPolicy[]; onDeleted: (name: string, tokens: number) => void }) {
  const canManage = useCanManage();
  const projects = useProjects().data?.projects;
  const [deleting, setDeleting] = useState<TrustPolicy | null>(null);
  const opener = useRef<HTMLButtonElement | null>(null);
  return (
    <>
      <ItemList label="Trust policies">
        {policies.map((policy) => {
          const grant = grantText(policy.grant, projects);
          return (
            <Item
              key={policy.id}
              title={policy.name}
              details={
                <dl className="grant" aria-label={`Who ${policy.name} trusts, and what it grants`}>
                  <dt>Issuer</dt>
                  <dd className="mono">{policy.issuer}</dd>
                  <dt>Subject</dt>
                  <dd className="mono">{policy.subject}</dd>
                  {Object.entries(policy.claims).map(([name, pattern]) => (
                    <Fragment key={name}>
                      <dt className="mono">{name}</dt>
                      <dd className="mono">{pattern}</dd>
                    </Fragment>
                  ))}
                  <dt>Projects</dt>
                  <dd>{grant.projects}</dd>
                  <dt>Permissions</dt>
                  <dd>{grant.permissions}</dd>
                  <dt>Tokens for</dt>
                  <dd>at most {grant.lifetime}</dd>
                </dl>
              }
              side={
                <>
                  <span className="muted small">{policy.lastUsedAt ? `Last used ${formatDateTime(policy.lastUsedAt)}` : 'Never used'}</span>
                  <span className="muted small">Created {formatDate(policy.createdAt)}</span>
                  {canManage && (
                    <Button
                      variant="danger"
                      aria-label={`Delete ${policy.name}`}
                      onClick={(e) => {
                        opener.current = e.currentTarget;
                        setDeleting(policy);
                      }}
                    >
                      Delete
                    </Button>
                  )}
                </>
              }
            />
          );
        })}
      </ItemList>
      {deleting && (
        <DeleteDialog
          policy={deleting}
          onClose={() => {
            setDeleting(null);
            opener.current?.focus();
          }}
          onDone={(tokens) => {
            const name = deleting.name;
            setDeleting(null);
            onDeleted(name, tokens);
          }}
        />
      )}
    </>
  );
}

function DeleteDialog({ policy, onClose, onDone }: { policy: TrustPolicy; onClose: () => void; onDone: (tokens: number) => void }) {
  const { client } = useHubgate();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <Dialog
      open
      title={`Delete the policy “${policy.name}”?`}
      onClose={() => !pending && onClose()}
      footer={
        <>
          <Button onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button
            variant="destructive"
            pending={pending}
            pendingLabel="Deleting…"
            onClick={async () => {
              setPending(true);
              setError(null);
              try {
                onDone((await client.deleteTrustPolicy(policy.id)).tokensRevoked);
              } catch (e) {
                setError(e as ApiError);
                setPending(false);
              }
            }}
          >
            Delete policy
          </Button>
        </>
      }
    >
      <p>Workloads it trusts can no longer exchange their ID tokens, and the tokens they got stop working at GitHub at once.</p>
      {error && (
        <Notice tone="error" title="The policy was not deleted.">
          <p>{error.message}</p>
        </Notice>
      )}
    </Dialog>
  );
}

const presets: { label: string; issuer: string; subject: string }[] = [
  { label: 'GitHub Actions', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:OWNER/REPO:ref:refs/heads/main' },
  { label: 'Kubernetes', issuer: 'https://', subject: 'system:serviceaccount:NAMESPACE:NAME' },
];

/** `name=pattern` lines into claims; the line at fault is named. */
function parseClaims(text: string): Record<string, string> | string {
  const claims: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at <= 0) return `Claims, line ${index + 1}: write name=pattern (e.g. environment=production).`;
    claims[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return claims;
}

function CreatePolicy({ onCreated }: { onCreated: (policy: TrustPolicy) => void }) {
  const { client } = useHubgate();
  const [name, setName] = useState('');
  const [issuer, setIssuer] = useState(presets[0]!.issuer);
  const [subject, setSubject] = useState(presets[0]!.subject);
  const [claims, setClaims] = useState('');
  const [contents, setContents] = useState<'read' | 'write'>('read');
  const [pullRequests, setPullRequests] = useState<'' | 'read' | 'write'>('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const ids = { name: useId(), issuer: useId(), subject: useId(), claims: useId(), contents: useId(), pulls: useId(), error: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseClaims(claims);
    const invalid = name.trim() === '' ? 'Enter a name that says which workloads it trusts.' : typeof parsed === 'string' ? parsed : null;
    if (invalid) {
      setError(invalid);
      input.current?.focus();
      return;
    }
    const permissions: AgentGrant['permissions'] = { contents };
    if (pullRequests) permissions.pull_requests = pullRequests;
    const body: CreateTrustPolicyBody = { name: name.trim(), issuer: issuer.trim(), subject: subject.trim(), claims: parsed as Record<string, string>, grant: { permissions, maxTokenLifetimeSeconds: 900 } };
    setPending(true);
    setError(null);
    try {
      onCreated(await client.createTrustPolicy(body));
      setName('');
      setClaims('');
    } catch (e) {
      setError((e as ApiError).message);
      input.current?.focus();
    } finally {
      setPending(false);
    }
  };
  return (
    <form className="subsection" onSubmit={submit} noValidate aria-label="Add a trust policy">
      <h3>Add a trust policy</h3>
      <p className="muted small">
        {presets.map((preset) => (
          <Button
            key={preset.label}
            onClick={() => {
              setIssuer(preset.issuer);
              setSubject(preset.subject);
            }}
          >
            {preset.label}
          </Button>
        ))}
      </p>
      <div className="field">
        <label htmlFor={ids.name}>Policy name</label>
        <input id={ids.name} ref={input} className="input" value={name} placeholder="e.g. deploys from main" autoComplete="off" disabled={pending} aria-describedby={error ? ids.error : undefined} onChange={(e) => setName(e.currentTarget.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.issuer}>Issuer (the ID token’s iss)</label>
        <input id={ids.issuer} className="input mono" value={issuer} disabled={pending} onChange={(e) => setIssuer(e.currentTarget.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.subject}>Subject (exact, or * for any run of characters)</label>
        <input id={ids.subject} className="input mono" value={subject} disabled={pending} onChange={(e) => setSubject(e.currentTarget.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.claims}>Other claims, one name=pattern per line</label>
        <textarea id={ids.claims} className="input mono" rows={3} value={claims} placeholder="repository_owner=tisket-com" disabled={pending} onChange={(e) => setClaims(e.currentTarget.value)} />
      </div>
      <div className="form-row">
        <div className="field">
          <label htmlFor={ids.contents}>Contents</label>
          <select id={ids.contents} className="input" value={contents} disabled={pending} onChange={(e) => setContents(e.currentTarget.value as 'read' | 'write')}>
            <option value="read">Read only (clone, fetch)</option>
            <option value="write">Read and write (push)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.pulls}>Pull requests</label>
          <select id={ids.pulls} className="input" value={pullRequests} disabled={pending} onChange={(e) => setPullRequests(e.currentTarget.value as '' | 'read' | 'write')}>
            <option value="">None</option>
            <option value="read">Read</option>
            <option value="write">Read and write</option>
          </select>
        </div>
        <div className="field field-button">
          <Button type="submit" variant="primary" pending={pending} pendingLabel="Adding…">
            Add policy
          </Button>
        </div>
      </div>
      {error && (
        <p className="field-error" id={ids.error} role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
