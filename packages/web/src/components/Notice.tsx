import type { ReactNode } from 'react';

type Tone = 'info' | 'success' | 'warning' | 'error';

/** A message in a coloured box. Errors and successes are announced to screen readers where they appear. */
export function Notice({ tone = 'info', title, children, id }: { tone?: Tone; title?: ReactNode; children?: ReactNode; id?: string }) {
  const role = tone === 'error' ? 'alert' : tone === 'success' ? 'status' : undefined;
  return (
    <div className={`notice notice-${tone}`} role={role} id={id}>
      {title && <p className="notice-title">{title}</p>}
      {children}
    </div>
  );
}

/** The error of one control, right under it; pass its id to the control's aria-describedby. */
export function FieldError({ id, message }: { id: string; message?: string | null }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  );
}
