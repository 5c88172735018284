import type { Connection, ConnectionState } from '@hubgate/contract';

/** "Jan 15, 2026", as the seed's drawing and GitHub show dates. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString('en-US', {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  });
}

export const accountKind = (type: string | undefined) => (type === 'User' ? 'Personal account' : 'Organization');

/**
 * The contract's `state`. A connection that ended because the app was uninstalled on GitHub (not by Disconnect here)
 * is shown as such: the server reports it as `previously_connected` with `previous.reason: 'uninstalled'`.
 */
export function connectionState(connection: Connection): ConnectionState {
  return !connection.connected && connection.state === 'previously_connected' && connection.previous?.reason === 'uninstalled'
    ? 'uninstalled'
    : connection.state;
}
