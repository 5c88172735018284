import { type FormEvent, useId, useRef, useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { ConnectionState, Project, ProjectKind } from '@hubgate/contract';
import { accessNow, accessWords } from '@hubgate/contract/vocabulary';
import { Button, ButtonLink } from '../components/Button.tsx';
import { Item, ItemList } from '../components/ItemList.tsx';
import { LoadFailed } from '../components/LoadFailed.tsx';
import { Notice } from '../components/Notice.tsx';
import { Badge, Loading, Section } from '../components/Section.tsx';
import { useCanManage, useConnection, useHubgate, useProjects } from '../context.tsx';
import { connectionState, formatDate } from '../format.ts';

/** Projects (N): each with its repository on GitHub and whether hubgate can reach it; admins create more. */
export function Projects() {
  const projects = useProjects();
  const connection = useConnection();
  const canManage = useCanManage();
  const state = connection.data ? connectionState(connection.data) : null;
  const list = projects.data?.projects;

  const title = list ? `Projects (${list.length})` : 'Projects';
  if (projects.error?.missingEndpoint) {
    return (
      <Section title="Projects">
        <p className="muted">Projects are not available on this server yet.</p>
      </Section>
    );
  }
  return (
    <Section title={title}>
      {projects.error && !list ? (
        <LoadFailed what="The projects" error={projects.error} retry={() => void projects.reload()} />
      ) : !list || !state ? (
        <Loading what="projects" />
      ) : (
        <div className="stack">
          {list.length === 0 && (state === 'connected' || state === 'suspended') && (
            <p className="empty">No projects yet.{canManage ? ' Create the first one below: it gets its own repository on GitHub.' : ''}</p>
          )}
          {list.length === 0 && state !== 'connected' && state !== 'suspended' && <p className="empty">Connect GitHub to create projects</p>}
          {list.length > 0 && state !== 'connected' && state !== 'suspended' && (
            <p className="muted">GitHub is not connected: these repositories cannot be reached until it is.</p>
          )}
          {list.length > 0 && <ProjectList projects={list} connection={state} />}
          {canManage && (state === 'connected' || state === 'suspended') && (
            <CreateProject suspended={state === 'suspended'} onCreated={() => void projects.reload()} />
          )}
          {!canManage && (state === 'connected' || state === 'suspended') && (
            <p className="muted small">Only organization admins can create projects.</p>
          )}
        </div>
      )}
    </Section>
  );
}

/** Each badge says what a token for the project can do right now: the connection's state first, then the repository's. */
function ProjectList({ projects, connection }: { projects: Project[]; connection: ConnectionState }) {
  return (
    <ItemList label="Projects">
      {projects.map((p) => {
        const access = accessWords[accessNow(p.repository.access, connection)] ?? accessWords.unknown;
        return (
          <Item
            key={p.id}
            title={
              <>
                {p.name}
                {p.kind !== 'project' && <span className="muted"> · {p.kind}</span>}
              </>
            }
            details={
              <div>
                <RepositoryLink repository={p.repository} />
                {p.repository.private && <span className="muted"> · private</span>}
              </div>
            }
            side={
              <>
                <Badge tone={access.tone} title={access.meaning}>
                  {access.label}
                </Badge>
                <span className="muted small">Created {formatDate(p.createdAt)}</span>
              </>
            }
          />
        );
      })}
    </ItemList>
  );
}

function validateName(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter a name for the project.';
  if (trimmed.length > 100) return `The name is ${trimmed.length} characters long; at most 100 fit.`;
  return null;
}

function CreateProject({ suspended, onCreated }: { suspended: boolean; onCreated: () => void }) {
  const { client } = useHubgate();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ProjectKind>('project');
  const [error, setError] = useState<{ message: string; suggestion?: string; acceptUrl?: string } | null>(null);
  const [pending, setPending] = useState(false);
  const [created, setCreated] = useState<Project | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const nameId = useId();
  const kindId = useId();
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const invalid = validateName(name);
    setCreated(null);
    if (invalid) {
      setError({ message: invalid });
      input.current?.focus();
      return;
    }
    setPending(true);
    setError(null);
    try {
      const project = await client.createProject(name.trim(), kind);
      setCreated(project);
      setName('');
      onCreated();
    } catch (e) {
      const err = e as ApiError;
      const retry = err.details.retryAfterSeconds ? ` Try again in ${err.details.retryAfterSeconds} seconds.` : '';
      setError({ message: err.message + retry, suggestion: err.details.suggestion, acceptUrl: err.details.acceptUrl });
      input.current?.focus();
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="subsection" onSubmit={submit} noValidate aria-label="Create a project">
      <h3>Create a project</h3>
      {suspended && (
        <p className="muted" id={`${errorId}-suspended`}>
          The installation is suspended on GitHub: projects can be created again once an owner unsuspends the app.
        </p>
      )}
      <div className="form-row">
        <div className="field grow">
          <label htmlFor={nameId}>Project name</label>
          <input
            id={nameId}
            ref={input}
            className="input"
            value={name}
            maxLength={120}
            autoComplete="off"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            disabled={pending || suspended}
            onChange={(e) => setName(e.currentTarget.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={kindId}>Kind</label>
          <select id={kindId} className="input" value={kind} disabled={pending} onChange={(e) => setKind(e.currentTarget.value as ProjectKind)}>
            <option value="project">Project</option>
            <option value="team">Team</option>
            <option value="guide">Guide</option>
          </select>
        </div>
        <div className="field field-button">
          <Button
            type="submit"
            variant="primary"
            pending={pending}
            pendingLabel="Creating repository…"
            disabled={suspended}
            aria-describedby={suspended ? `${errorId}-suspended` : undefined}
          >
            Create project
          </Button>
        </div>
      </div>
      {error && (
        <div className="field-error" id={errorId} role="alert">
          <p>{error.message}</p>
          {error.suggestion && (
            <p>
              <Button
                onClick={() => {
                  setName(error.suggestion!);
                  setError(null);
                  input.current?.focus();
                }}
              >
                Use “{error.suggestion}”
              </Button>
            </p>
          )}
          {error.acceptUrl && (
            <p>
              <ButtonLink href={error.acceptUrl} external>
                Accept the permission on GitHub
              </ButtonLink>
            </p>
          )}
        </div>
      )}
      {created && (
        <Notice tone="success" title={`Created ${created.name}.`}>
          <p>
            Its repository is{' '}
            <RepositoryLink repository={created.repository} />
            .
          </p>
        </Notice>
      )}
    </form>
  );
}

/** The contract's repository has no name or URL until GitHub has created it: then there is nothing to link to. */
function RepositoryLink({ repository }: { repository: Project['repository'] }) {
  if (!repository.htmlUrl) return <span className="mono muted">{repository.fullName ?? 'repository not created yet'}</span>;
  return (
    <a className="mono" href={repository.htmlUrl} target="_blank" rel="noopener noreferrer">
      {repository.fullName ?? repository.htmlUrl}
      <span className="visually-hidden"> on GitHub (opens in a new tab)</span>
    </a>
  );
}
