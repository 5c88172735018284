import { useEffect, useState } from 'react';
import type { ReconnectResult } from '@hubgate/contract';
import { Item, ItemList } from '../components/ItemList.tsx';
import { Badge } from '../components/Section.tsx';
import { useHubgate, useProjects } from '../context.tsx';

const resultText = {
  pending: { tone: 'neutral', label: 'Checking…' },
  restored: { tone: 'success', label: 'Restored' },
  missing: { tone: 'warning', label: 'Not selected on GitHub' },
  selectedSince: { tone: 'success', label: 'Selected on GitHub since' },
  deleted: { tone: 'danger', label: 'Deleted on GitHub' },
  moved: { tone: 'warning', label: 'Moved on GitHub' },
} as const;

/**
 * What reconnecting restored: each project's repository, restored, still missing from the installation (with
 * the link to select it on GitHub), or deleted. Follows `GET /api/github/reconnect` while it runs.
 */
export function ReconnectResults({ initial, poll }: { initial: ReconnectResult | null; poll: boolean }) {
  const { client, store } = useHubgate();
  const projects = useProjects();
  const [result, setResult] = useState<ReconnectResult | null>(initial);
  const running = result?.status === 'running' || (poll && result === null);

  useEffect(() => setResult(initial), [initial]);
  useEffect(() => {
    if (!running) return;
    let stopped = false;
    const tick = async () => {
      try {
        const next = await client.reconnectResult();
        if (stopped) return;
        setResult(next); // a new result re-runs this effect, which polls again while it runs
        // The job marks each project's repository as it ends: the projects list shows the same states.
        if (next.status !== 'running') void store.reload('projects');
      } catch {
        // no reconnect endpoint on this server, or nothing to show: keep what the connection said
        if (!stopped) setResult((r) => (r?.status === 'running' ? { ...r, status: 'done' } : r));
      }
    };
    const timer = setTimeout(tick, result ? 1000 : 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, store, running, result]);

  if (!result || result.status === 'none') return null;
  const { done, total } = result.progress;
  // The result is what the job found; a repository an owner selected on GitHub afterwards is reachable now (the
  // projects list says so), and is no longer shown as one to select.
  const reachableNow = new Set(projects.data?.projects.filter((p) => p.repository.access === 'reachable').map((p) => p.id));
  const shownResult = (item: ReconnectResult['items'][number]) =>
    item.result === 'missing' && reachableNow.has(item.projectId) ? 'selectedSince' : item.result;
  const missing = result.items.filter((i) => shownResult(i) === 'missing');
  const restored = result.items.filter((i) => i.result === 'restored').length;
  const selectedSince = result.items.filter((i) => shownResult(i) === 'selectedSince').length;
  return (
    <div className="subsection" aria-live="polite">
      <h3>Restoring access to your projects' repositories</h3>
      {result.status === 'running' ? (
        <div>
          <label className="muted" htmlFor="reconnect-progress">
            Checking {done} of {total}…
          </label>
          <progress id="reconnect-progress" max={total || 1} value={done} />
        </div>
      ) : (
        <p className="muted">
          {restored} of {result.items.length} restored
          {selectedSince > 0 && `; ${selectedSince} selected on GitHub since`}
          {missing.length > 0 && `; ${missing.length} still to select on GitHub`}.
        </p>
      )}
      <ItemList label="Projects' repositories after reconnecting">
        {result.items.map((item) => {
          // A result this page does not know yet (a newer server) is shown as the server words it.
          const shown = resultText[shownResult(item)] ?? { tone: 'neutral', label: String(item.result) };
          return (
            <Item
              key={item.projectId}
              title={item.name}
              details={<div className="muted mono">{item.repository.fullName ?? `repository ${item.repository.id}`}</div>}
              side={
                <>
                  <Badge tone={shown.tone}>{shown.label}</Badge>
                  {shownResult(item) === 'missing' && item.selectUrl && (
                    <a href={item.selectUrl} target="_blank" rel="noopener noreferrer">
                      Select it on GitHub
                      <span className="visually-hidden">
                        {' '}
                        ({item.repository.fullName ?? item.name}, opens in a new tab)
                      </span>
                    </a>
                  )}
                </>
              }
            />
          );
        })}
      </ItemList>
    </div>
  );
}
