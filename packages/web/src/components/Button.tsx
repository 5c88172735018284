import type { AnchorHTMLAttributes, ComponentProps, ReactNode } from 'react';

/** primary: the page's main action; danger: opens a confirmation; destructive: confirms it */
type Variant = 'primary' | 'secondary' | 'danger' | 'destructive';

/** The one button of the UI: three colours, one size and font; while `pending` it is disabled and says so. */
export function Button({
  variant = 'secondary',
  pending = false,
  pendingLabel,
  children,
  className,
  disabled,
  type = 'button',
  ...rest
}: ComponentProps<'button'> & {
  variant?: Variant;
  pending?: boolean;
  pendingLabel?: ReactNode;
}) {
  return (
    <button
      {...rest}
      type={type}
      className={['btn', `btn-${variant}`, className].filter(Boolean).join(' ')}
      disabled={disabled || pending}
      aria-busy={pending || undefined}
    >
      {pending && <span className="spinner" aria-hidden="true" />}
      {pending && pendingLabel ? pendingLabel : children}
    </button>
  );
}

/** A link that looks like the button (navigation, e.g. to GitHub). */
export function ButtonLink({
  variant = 'secondary',
  external = false,
  children,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { variant?: Variant; external?: boolean }) {
  return (
    <a {...rest} className={`btn btn-${variant}`} {...(external ? { target: '_blank', rel: 'noopener noreferrer' } : {})}>
      {children}
      {external && <span className="visually-hidden"> (opens in a new tab)</span>}
    </a>
  );
}
