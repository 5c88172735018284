import { useEffect, useState } from 'react';
import type { ReconnectResult } from '@hubgate/contract';
import { restoreWords } from '@hubgate/contract/vocabulary';
import { Button } from '../components/Button.tsx';
import { Item, ItemList } from '../components/ItemList.tsx';
import { Badge } from '../components/Section.tsx';
import { useHubgate, useProjects } from '../context.tsx';

/** A finished restore the admin dismissed stays dismissed in this browser (its items are its identity). */
const dismissedKey = 'hubgate.restore-dismissed';
const identity = (result: ReconnectResult) => result.items.map((i) => `${i.projectId}:${i.result}`).join(',');
function isDismissed(result: ReconnectResult): boolean {
  try {
    return globalThis.localStorage?.getItem(dismissedKey) === identity(result);
  } catch {
    return false;
  }
}

/**
 * What reconnecting restored: each project's repository, restored, still missing from the installation (with
 * the link to select it on GitHub), or deleted. Follows `GET /api/github/reconnect` while it runs.
 */
export function ReconnectResults({ initial, poll }: { initial: ReconnectResult | null; poll: boolean }) {
  const { client, store } = useHubgate();
  const projects = useProjects();
  const [result, setResult] = useState<ReconnectResult | null>(initial);
  const [dismissed, setDismissed] = useState(false);
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
  // Once finished, the box stays only while something in it needs action (a repository to select on GitHub), or on
  // the page GitHub sent the admin back to after reconnecting (so the outcome is seen once), and until dismissed.
  if (result.status === 'done' && (dismissed || isDismissed(result) || (missing.length === 0 && !poll))) return null;
  return (
    <div className="subsection" aria-live="polite">
      <div className="row">
        <h3>Restoring access to your projects' repositories</h3>
        {result.status === 'done' && (
          <Button
            onClick={() => {
              try {
                globalThis.localStorage?.setItem(dismissedKey, identity(result));
              } catch {
                // no storage: dismissed for this page only
              }
              setDismissed(true);
            }}
          >
            Dismiss
          </Button>
        )}
      </div>
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
          const shown = restoreWords[shownResult(item)] ?? { tone: 'neutral', label: String(item.result), meaning: '' };
          return (
            <Item
              key={item.projectId}
              title={item.name}
              details={<div className="muted mono">{item.repository.fullName ?? `repository ${item.repository.id}`}</div>}
              side={
                <>
                  <Badge tone={shown.tone} title={shown.meaning}>
                    {shown.label}
                  </Badge>
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
