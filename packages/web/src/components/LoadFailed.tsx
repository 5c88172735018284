import type { ApiError } from '../api/client.ts';
import { Button } from './Button.tsx';
import { Notice } from './Notice.tsx';

/** A section whose data did not load: what failed, in words, and a retry. */
export function LoadFailed({ what, error, retry }: { what: string; error: ApiError; retry: () => void }) {
  return (
    <Notice tone="error" title={`${what} could not be loaded.`}>
      <p>{error.message}</p>
      <p>
        <Button onClick={retry}>Try again</Button>
      </p>
    </Notice>
  );
}
