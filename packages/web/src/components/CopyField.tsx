import { useId, useRef, useState } from 'react';
import { Button } from './Button.tsx';

/** A read-only secret with a Copy button; falls back to selecting the text where the clipboard is refused. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'select' | null>(null);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} ref={input} className="input mono" readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <Button
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(value);
              setCopied('yes');
            } catch {
              input.current?.select();
              setCopied('select');
            }
          }}
        >
          Copy
        </Button>
      </div>
      <p className="hint" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'select' ? 'Selected: press Ctrl+C (⌘C) to copy.' : ''}
      </p>
    </div>
  );
}
