import { type FormEvent, useId, useRef, useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { AgentGrant, AgentKey, CreateAgentKeyBody, CreatedAgentKey, Project, RevokedAgentTokens } from '@hubgate/contract';
import { Button } from '../components/Button.tsx';
import { CopyField } from '../components/CopyField.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { Item, ItemList } from '../components/ItemList.tsx';
import { LoadFailed } from '../components/LoadFailed.tsx';
import { Notice } from '../components/Notice.tsx';
import { Badge, Loading, Section } from '../components/Section.tsx';
import { useAgentKeys, useCanManage, useHubgate, useProjects } from '../context.tsx';
import { formatDate, formatDateTime } from '../format.ts';
import { grantText } from './agent-grant-text.ts';

/**
 * Agent keys: what servers and agents present to hubgate's token broker (`Authorization: Bearer hgk_...`).
 * A new key is shown once; revoking one takes effect at once.
 */
export function AgentKeys() {
  const keys = useAgentKeys();
  const canManage = useCanManage();
  const { productName } = useHubgate();
  const [created, setCreated] = useState<CreatedAgentKey | null>(null);
  const [revoked, setRevoked] = useState<{ name: string; tokens: number } | null>(null);
  const [killed, setKilled] = useState<RevokedAgentTokens | null>(null);
  const description = `Keys your servers and agents use to get short-lived GitHub tokens from ${productName} for your projects' repositories.`;

  if (keys.error?.missingEndpoint) {
    return (
      <Section title="Keys" description={description}>
        <p className="muted">Agent keys are not available on this server yet.</p>
      </Section>
    );
  }
  const list = keys.data?.keys;
  const active = list?.filter((k) => !k.revokedAt) ?? [];
  const revokedKeys = list?.filter((k) => k.revokedAt) ?? [];
  return (
    <Section title="Keys" description={description}>
      {keys.error && !list ? (
        <LoadFailed what="The agent keys" error={keys.error} retry={() => void keys.reload()} />
      ) : !list ? (
        <Loading what="agent keys" />
      ) : (
        <div className="stack">
          {created && (
            <Notice tone="success" title={`Created the key “${created.name}”. Copy it now: it is not shown again.`}>
              <CopyField label={`Agent key ${created.name}`} value={created.key} />
              <KeyUsage />
              <p>
                <Button onClick={() => setCreated(null)}>I have stored it</Button>
              </p>
            </Notice>
          )}
          {revoked && (
            <Notice
              tone="success"
              title={`Revoked the key “${revoked.name}”${revoked.tokens > 0 ? ` and the ${revoked.tokens} token${revoked.tokens === 1 ? '' : 's'} it held` : ''}.`}
            />
          )}
          {killed && (
            <Notice
              tone={killed.tokensFailed > 0 ? 'warning' : 'success'}
              title={`Revoked ${killed.tokensRevoked} agent token${killed.tokensRevoked === 1 ? '' : 's'}.`}
            >
              {killed.tokensFailed > 0 && <p>GitHub did not confirm {killed.tokensFailed}; they are retried until they expire.</p>}
            </Notice>
          )}
          {active.length === 0 ? (
            <p className="empty">No active agent keys.</p>
          ) : (
            <KeyList
              label="Active agent keys"
              keys={active}
              onRevoked={(name, tokens) => {
                setRevoked({ name, tokens });
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
          {canManage && active.length > 0 && (
            <KillSwitch
              onDone={(result) => {
                setKilled(result);
                setRevoked(null);
              }}
            />
          )}
          {!canManage && <p className="muted small">Only organization admins can create or revoke keys.</p>}
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

function KeyList({ label, keys, onRevoked }: { label: string; keys: AgentKey[]; onRevoked: (name: string, tokens: number) => void }) {
  const canManage = useCanManage();
  const projects = useProjects().data?.projects;
  const [revoking, setRevoking] = useState<AgentKey | null>(null);
  const opener = useRef<HTMLButtonElement | null>(null);
  return (
    <>
      <ItemList label={label}>
        {keys.map((key) => (
          <Item
            key={key.id}
            title={key.name}
            details={<KeyDetails agentKey={key} projects={projects} />}
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
          onDone={(tokens) => {
            const name = revoking.name;
            setRevoking(null);
            onRevoked(name, tokens);
          }}
        />
      )}
    </>
  );
}

function KeyDetails({ agentKey, projects }: { agentKey: AgentKey; projects: Project[] | undefined }) {
  const grant = grantText(agentKey.grant, projects);
  return (
    <div className="stack-tight">
      <div className="muted mono">{agentKey.prefix}…</div>
      <dl className="grant" aria-label={`What ${agentKey.name} may do`}>
        <dt>Projects</dt>
        <dd>{grant.projects}</dd>
        <dt>Permissions</dt>
        <dd>{grant.permissions}</dd>
        <dt>Tokens for</dt>
        <dd>at most {grant.lifetime}</dd>
        {agentKey.expiresAt && !agentKey.revokedAt && (
          <>
            <dt>Expires</dt>
            <dd>{formatDate(agentKey.expiresAt)}</dd>
          </>
        )}
      </dl>
    </div>
  );
}

function KillSwitch({ onDone }: { onDone: (result: RevokedAgentTokens) => void }) {
  const { client } = useHubgate();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const opener = useRef<HTMLButtonElement | null>(null);
  return (
    <div className="subsection">
      <h3>Revoke every agent token</h3>
      <p className="muted">
        If a token or a key may have leaked: every token your agents hold stops working at GitHub at once. Keys stay valid and
        get new tokens; the GitHub connection stays.
      </p>
      <Button
        variant="danger"
        onClick={(e) => {
          opener.current = e.currentTarget;
          setOpen(true);
        }}
      >
        Revoke all agent tokens
      </Button>
      {open && (
        <Dialog
          open
          title="Revoke every agent token?"
          onClose={() => {
            if (pending) return;
            setOpen(false);
            opener.current?.focus();
          }}
          footer={
            <>
              <Button onClick={() => setOpen(false)} disabled={pending}>
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
                    const result = await client.revokeAllAgentTokens();
                    setOpen(false);
                    onDone(result);
                  } catch (e) {
                    setError(e as ApiError);
                  } finally {
                    setPending(false);
                  }
                }}
              >
                Revoke all tokens
              </Button>
            </>
          }
        >
          <p>Jobs running now lose their GitHub access and must ask for a new token. This cannot be undone.</p>
          {error && (
            <Notice tone="error" title="The tokens were not revoked.">
              <p>{error.message}</p>
            </Notice>
          )}
        </Dialog>
      )}
    </div>
  );
}

function RevokeDialog({ agentKey, onClose, onDone }: { agentKey: AgentKey; onClose: () => void; onDone: (tokens: number) => void }) {
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
                const result = await client.revokeAgentKey(agentKey.id);
                onDone(result.tokensRevoked);
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
        Anything still using <span className="mono">{agentKey.prefix}…</span> can no longer get tokens from the broker, and the
        tokens it holds stop working at GitHub at once. This cannot be undone.
      </p>
      {error && (
        <Notice tone="error" title="The key was not revoked.">
          <p>{error.message}</p>
        </Notice>
      )}
    </Dialog>
  );
}

type ProjectChoice = 'all' | 'some';
const lifetimes = [600, 900, 1800, 3600] as const;
const keyLifetimes: { label: string; days: number | null }[] = [
  { label: 'Never (until revoked)', days: null },
  { label: 'In 30 days', days: 30 },
  { label: 'In 90 days', days: 90 },
  { label: 'In a year', days: 365 },
];

function CreateKey({ onCreated }: { onCreated: (key: CreatedAgentKey) => void }) {
  const { client } = useHubgate();
  const projects = useProjects().data?.projects ?? [];
  const [name, setName] = useState('');
  const [choice, setChoice] = useState<ProjectChoice>('all');
  const [picked, setPicked] = useState<string[]>([]);
  const [contents, setContents] = useState<'read' | 'write'>('write');
  const [pullRequests, setPullRequests] = useState<'' | 'read' | 'write'>('');
  const [issues, setIssues] = useState<'' | 'read' | 'write'>('');
  const [lifetime, setLifetime] = useState<number>(3600);
  const [expiresInDays, setExpiresInDays] = useState<number | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const nameId = useId();
  const errorId = useId();
  const ids = { contents: useId(), pulls: useId(), issues: useId(), lifetime: useId(), expires: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    const invalid =
      trimmed === ''
        ? 'Enter a name that says where the key is used.'
        : trimmed.length > 100
          ? 'At most 100 characters fit.'
          : choice === 'some' && picked.length === 0
            ? 'Pick at least one project, or choose all projects.'
            : null;
    if (invalid) {
      setError(invalid);
      input.current?.focus();
      return;
    }
    const permissions: AgentGrant['permissions'] = { contents };
    if (pullRequests) permissions.pull_requests = pullRequests;
    if (issues) permissions.issues = issues;
    const body: CreateAgentKeyBody = {
      name: trimmed,
      grant: { projects: choice === 'all' ? { all: true } : { ids: picked }, permissions, maxTokenLifetimeSeconds: lifetime },
      ...(expiresInDays ? { expiresAt: new Date(Date.now() + expiresInDays * 86_400_000).toISOString() } : {}),
    };
    setPending(true);
    setError(null);
    try {
      onCreated(await client.createAgentKey(body));
      setName('');
      setPicked([]);
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
      </div>
      <fieldset className="field" disabled={pending}>
        <legend>Projects it reaches</legend>
        <label className="choice">
          <input type="radio" name="projects" checked={choice === 'all'} onChange={() => setChoice('all')} /> All projects
        </label>
        <label className="choice">
          <input type="radio" name="projects" checked={choice === 'some'} onChange={() => setChoice('some')} /> Only these projects
        </label>
        {choice === 'some' && (
          <div className="choices" role="group" aria-label="Projects">
            {projects.length === 0 && <p className="muted small">No projects yet.</p>}
            {projects.map((project) => (
              <label key={project.id} className="choice">
                <input
                  type="checkbox"
                  checked={picked.includes(project.id)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setPicked((now) => (on ? [...now, project.id] : now.filter((id) => id !== project.id)));
                  }}
                />{' '}
                {project.name}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <div className="form-row">
        <div className="field">
          <label htmlFor={ids.contents}>Contents</label>
          <select id={ids.contents} className="input" value={contents} disabled={pending} onChange={(e) => setContents(e.currentTarget.value as 'read' | 'write')}>
            <option value="write">Read and write (push)</option>
            <option value="read">Read only (clone, fetch)</option>
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
        <div className="field">
          <label htmlFor={ids.issues}>Issues</label>
          <select id={ids.issues} className="input" value={issues} disabled={pending} onChange={(e) => setIssues(e.currentTarget.value as '' | 'read' | 'write')}>
            <option value="">None</option>
            <option value="read">Read</option>
            <option value="write">Read and write</option>
          </select>
        </div>
      </div>
      <div className="form-row">
        <div className="field">
          <label htmlFor={ids.lifetime}>Each token usable for</label>
          <select id={ids.lifetime} className="input" value={lifetime} disabled={pending} onChange={(e) => setLifetime(Number(e.currentTarget.value))}>
            {lifetimes.map((s) => (
              <option key={s} value={s}>
                at most {s === 3600 ? '1 hour' : `${s / 60} minutes`}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.expires}>The key expires</label>
          <select
            id={ids.expires}
            className="input"
            value={expiresInDays ?? ''}
            disabled={pending}
            onChange={(e) => setExpiresInDays(e.currentTarget.value ? Number(e.currentTarget.value) : null)}
          >
            {keyLifetimes.map((k) => (
              <option key={k.label} value={k.days ?? ''}>
                {k.label}
              </option>
            ))}
          </select>
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

/** How the new key is used: the broker over HTTP, the git helper, an MCP client. The key itself stays in the field. */
function KeyUsage() {
  const { client } = useHubgate();
  const url = client.baseUrl || (typeof window === 'undefined' ? 'https://hubgate.example.com' : window.location.origin);
  const snippets: [string, string][] = [
    [
      'A token for one repository (curl)',
      `curl -s -X POST ${url}/api/v1/tokens \\\n  -H "Authorization: Bearer $HUBGATE_AGENT_KEY" -H 'content-type: application/json' \\\n  -d '{"repository":"https://github.com/OWNER/REPO.git","job":"build 42"}'`,
    ],
    [
      'git, through the credential helper',
      `export HUBGATE_URL=${url} HUBGATE_AGENT_KEY=<the key>\ngit config --global credential.helper "$(npm root)/@hubgate/github-auth/bin/hubgate-git-credential.mjs"\ngit config --global credential.useHttpPath true`,
    ],
    ['An MCP client (stdio)', `HUBGATE_URL=${url} HUBGATE_AGENT_KEY=<the key> npx hubgate mcp`],
  ];
  return (
    <details className="key-usage" open>
      <summary>How to use it</summary>
      {snippets.map(([title, code]) => (
        <div key={title} className="field">
          <p className="hint">{title}</p>
          {/* focusable: a long line scrolls sideways, and a keyboard must reach it */}
          <pre className="snippet" aria-label={title} tabIndex={0}>
            {code}
          </pre>
        </div>
      ))}
    </details>
  );
}
