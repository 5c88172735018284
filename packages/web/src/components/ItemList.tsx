import type { ReactNode } from 'react';

/**
 * The list every section shows its things in (projects, agent keys, reconnect results): one row per thing, its
 * name and details on the left, its state and actions on the right (wrapping under them on a narrow screen).
 */
export function ItemList({ label, children }: { label: string; children: ReactNode }) {
  return (
    <ul className="list" aria-label={label}>
      {children}
    </ul>
  );
}

export function Item({ title, details, side }: { title: ReactNode; details?: ReactNode; side?: ReactNode }) {
  return (
    <li className="list-item">
      <div className="list-item-main">
        <strong>{title}</strong>
        {details}
      </div>
      {side && <div className="list-item-side">{side}</div>}
    </li>
  );
}
