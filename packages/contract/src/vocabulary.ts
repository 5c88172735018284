/**
 * The words every state is shown with, written once: the settings UI, the docs (docs/ui.md's table is checked
 * against this file) and an embedding product use the same label for the same state. No imports, so the browser
 * bundle takes these few strings and nothing else of the contract.
 */

export type Tone = 'success' | 'warning' | 'danger' | 'neutral';
export interface Word {
  label: string;
  tone: Tone;
  /** one sentence: what it means for a token right now, and what to do */
  meaning: string;
}

/** A project repository's access as the server records it (`repository.access` in `GET /api/projects`). */
export type RecordedAccess = 'reachable' | 'missing' | 'deleted' | 'moved' | 'unknown';
/** What a token for the project can do right now: the recorded access, unless the connection itself stops it. */
export type AccessNow = RecordedAccess | 'suspended' | 'not_connected';

export const accessWords: Record<AccessNow, Word> = {
  reachable: { label: 'Reachable', tone: 'success', meaning: 'Tokens for this repository are handed out.' },
  missing: {
    label: 'Not selected on GitHub',
    tone: 'warning',
    meaning: 'The installation does not include this repository: select it in the installation’s settings on GitHub.',
  },
  deleted: { label: 'Deleted on GitHub', tone: 'danger', meaning: 'The repository no longer exists on GitHub.' },
  moved: {
    label: 'Moved on GitHub',
    tone: 'warning',
    meaning: 'The repository was transferred to another account: no token is handed out for it.',
  },
  unknown: { label: 'Not checked', tone: 'neutral', meaning: 'Not checked against GitHub yet.' },
  suspended: {
    label: 'Suspended on GitHub',
    tone: 'warning',
    meaning: 'The installation is suspended: no token is handed out until an owner unsuspends the app.',
  },
  not_connected: {
    label: 'Not connected',
    tone: 'neutral',
    meaning: 'GitHub is not connected: no token is handed out until it is connected again.',
  },
};

/**
 * The one rule for a project's badge: a suspended installation or no connection stops every token, whatever the
 * repository's own state; otherwise the repository's recorded access says it.
 */
export function accessNow(recorded: RecordedAccess, connection: string | null | undefined): AccessNow {
  if (connection === 'suspended') return 'suspended';
  if (connection !== 'connected') return 'not_connected';
  return recorded;
}

/** A project's line in the restore list after reconnecting (`GET /api/github/reconnect`). */
export type RestoreResult = 'pending' | 'restored' | 'missing' | 'deleted' | 'moved';
export const restoreWords: Record<RestoreResult | 'selectedSince', Word> = {
  pending: { label: 'Checking…', tone: 'neutral', meaning: 'The restore has not reached this repository yet.' },
  restored: { label: 'Restored', tone: 'success', meaning: 'The installation includes it again.' },
  missing: accessWords.missing,
  selectedSince: {
    label: 'Selected on GitHub since',
    tone: 'success',
    meaning: 'It was missing when the restore ran and has been selected on GitHub since.',
  },
  deleted: accessWords.deleted,
  moved: accessWords.moved,
};
