import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { ApiError } from './client.ts';

export interface Resource<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
}

/**
 * Loaded API resources shared by every section on the page (the projects section follows the connection the
 * connection section changed), each loaded once and reloaded on demand.
 */
export class ResourceStore {
  private readonly entries = new Map<string, Resource<unknown>>();
  private readonly listeners = new Set<() => void>();
  private readonly loaders = new Map<string, () => Promise<unknown>>();

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get<T>(key: string): Resource<T> {
    return (this.entries.get(key) as Resource<T> | undefined) ?? idle;
  }

  private set(key: string, value: Resource<unknown>) {
    this.entries.set(key, value);
    for (const listener of this.listeners) listener();
  }

  /** Loads the resource unless it is loaded or loading. */
  ensure(key: string, loader: () => Promise<unknown>) {
    this.loaders.set(key, loader);
    if (!this.entries.has(key)) void this.reload(key);
  }

  /** Loads it again, keeping what is shown until the answer arrives. */
  async reload(key: string): Promise<void> {
    const loader = this.loaders.get(key);
    if (!loader) return;
    const previous = this.entries.get(key);
    this.set(key, { ...previous, loading: true });
    try {
      this.set(key, { data: await loader(), loading: false });
    } catch (error) {
      this.set(key, {
        data: previous?.data,
        error: error instanceof ApiError ? error : new ApiError(0, 'unexpected', String(error)),
        loading: false,
      });
    }
  }
}

const idle: Resource<never> = { loading: true };

export function useResource<T>(store: ResourceStore, key: string, loader: () => Promise<T>) {
  useEffect(() => store.ensure(key, loader), [store, key, loader]);
  const resource = useSyncExternalStore(store.subscribe, () => store.get<T>(key));
  const reload = useCallback(() => store.reload(key), [store, key]);
  return { ...resource, reload };
}
