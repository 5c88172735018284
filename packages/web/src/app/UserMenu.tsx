import { useEffect, useId, useRef, useState } from 'react';
import type { SignedInSession } from '@hubgate/contract';
import { Button } from '../components/Button.tsx';

/** The signed-in user's menu: who, which role, and Sign out. */
export function UserMenu({ session, onSignOut }: { session: SignedInSession; onSignOut: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const menuId = useId();
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const name = session.user.name || session.user.email || session.user.id;

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        toggle.current?.focus();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="user-menu" ref={root}>
      <button
        ref={toggle}
        type="button"
        className="user-button"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen(!open)}
      >
        <span className="avatar" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </span>
        <span className="user-name">{name}</span>
        <span aria-hidden="true">▾</span>
      </button>
      <div id={menuId} className="user-popover" hidden={!open}>
        <p className="user-popover-name">{name}</p>
        {session.user.email && <p className="muted small">{session.user.email}</p>}
        <p className="muted small">{session.isAdmin ? 'Admin' : 'Member'}</p>
        <Button
          pending={pending}
          pendingLabel="Signing out…"
          onClick={async () => {
            setPending(true);
            setError(null);
            try {
              await onSignOut();
            } catch (e) {
              setError((e as Error).message);
              setPending(false);
            }
          }}
        >
          Sign out
        </Button>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}
