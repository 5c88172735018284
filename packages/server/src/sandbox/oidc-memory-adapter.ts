import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * The sandbox provider's storage: in memory, like the sandbox's simulated GitHub, with expiry. Given to
 * oidc-provider explicitly so that it does not warn about its own development adapter at every start.
 * https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#adapter
 */
export function memoryAdapterFactory(now: () => number = Date.now): (model: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; until: number }>();
  const grants = new Map<string, Set<string>>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.until <= now()) {
      store.delete(key);
      return undefined;
    }
    return entry?.payload;
  };
  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        store.set(key, { payload, until: expiresIn ? now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
        if (payload.grantId) {
          const keys = grants.get(payload.grantId) ?? new Set<string>();
          keys.add(key);
          grants.set(payload.grantId, keys);
        }
      },
      async find(id) {
        return live(keyOf(id));
      },
      async findByUid(uid) {
        for (const key of store.keys()) {
          const payload = key.startsWith(`${model}:`) ? live(key) : undefined;
          if (payload?.uid === uid) return payload;
        }
        return undefined;
      },
      async findByUserCode(userCode) {
        for (const key of store.keys()) {
          const payload = key.startsWith(`${model}:`) ? live(key) : undefined;
          if (payload?.userCode === userCode) return payload;
        }
        return undefined;
      },
      async consume(id) {
        const payload = live(keyOf(id));
        if (payload) payload.consumed = Math.floor(now() / 1000);
      },
      async destroy(id) {
        store.delete(keyOf(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of grants.get(grantId) ?? []) store.delete(key);
        grants.delete(grantId);
      },
    };
  };
}
