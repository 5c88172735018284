import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repos } from '../src/db/schema/index.js';
import { AppError } from '../src/errors/app-error.js';
import { CreationPacer } from '../src/projects/creation-pacer.js';
import { openDatabase } from '../src/db/database.js';
import { DatabasePacingLedger } from '../src/projects/pacing-ledger.js';
import { freshDatabase } from './db-harness.js';
import { type Harness, startHarness } from './service-harness.js';

const minIntervalMs = 200;
const secondaryLimit = (retryAfter: string) => ({
  route: 'POST /orgs/{org}/repos',
  status: 403,
  body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
  headers: { 'retry-after': retryAfter },
  times: 1,
});

/** The pacer on a clock the test moves: its sleeps advance the clock, so the schedule is exact and instant. */
function manualPacer(options: { minIntervalMs: number; maxWaitMs: number }) {
  let now = 0;
  const pacer = new CreationPacer(
    {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    },
    options,
  );
  return { pacer, now: () => now };
}

describe('the creation pacer', () => {
  it('runs creations of one account one at a time, the minimum interval apart; other accounts are not held', async () => {
    const { pacer, now } = manualPacer({ minIntervalMs: 750, maxWaitMs: 10_000 });
    const started: [string, number][] = [];
    const create = (account: string) => pacer.run(account, async () => void started.push([account, now()]));
    await Promise.all([create('a'), create('a'), create('a'), create('b')]);
    expect(started.filter(([a]) => a === 'a').map(([, t]) => t)).toEqual([0, 750, 1500]);
    expect(started.find(([a]) => a === 'b')![1]).toBeLessThan(750);
  });

  it('honours retry-after for the whole account: a short one is waited out once, a long one refuses at once', async () => {
    const { pacer, now } = manualPacer({ minIntervalMs: 0, maxWaitMs: 5_000 });
    const limited = (seconds: number) => Object.assign(new Error('You have exceeded a secondary rate limit'), { status: 403, response: { headers: { 'retry-after': String(seconds) } } });
    let calls = 0;
    const once = await pacer.run('a', async () => {
      calls++;
      if (calls === 1) throw limited(2);
      return now();
    });
    expect(once).toBe(2000);
    const refused = pacer.run('a', async () => {
      calls++;
      throw limited(60);
    });
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfter: 60 } });
    const before = calls;
    await expect(pacer.run('a', async () => void calls++)).rejects.toMatchObject({ details: { retryAfter: 60 } });
    expect(calls).toBe(before);
  });
});

// GitHub counts creations per account, whichever replica sends them: two replicas share the ledger's row.
describe('the creation pacer across replicas (PostgreSQL)', () => {
  const limitedError = (seconds: number) =>
    Object.assign(new Error('You have exceeded a secondary rate limit'), { status: 403, response: { headers: { 'retry-after': String(seconds) } } });
  async function twoReplicas() {
    const first = await freshDatabase('postgres');
    const second = await openDatabase({ databaseUrl: first.url! });
    const pacer = (db: typeof first.db) => new CreationPacer({ now: () => Date.now(), ledger: new DatabasePacingLedger(db) }, { minIntervalMs: 300, maxWaitMs: 1_000 });
    return {
      a: pacer(first.db),
      b: pacer(second.db),
      async close() {
        await second.close();
        await first.close();
      },
    };
  }

  it('spaces the creations of one account the minimum interval apart, whichever replica sends them', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const started: number[] = [];
      const create = (pacer: CreationPacer) => pacer.run('system:42', async () => void started.push(Date.now()));
      await Promise.all([create(a), create(b), create(a), create(b), create(a), create(b)]);
      started.sort((x, y) => x - y);
      const gaps = started.slice(1).map((t, i) => t - started[i]!);
      // A slot is "not before": the replica that takes a free slot starts a database round trip after it, so a gap
      // can come out that much shorter than the interval (more on a loaded machine); unshared, two replicas' gaps
      // are a few milliseconds. The default interval (1 s) leaves room under GitHub's 750 ms.
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(300 / 2);
      expect(started.at(-1)! - started[0]!).toBeGreaterThanOrEqual(5 * 300 - 100);
    } finally {
      await close();
    }
  });

  it('holds every replica back while GitHub asked one of them to wait', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      await expect(a.run('system:42', async () => Promise.reject(limitedError(60)))).rejects.toMatchObject({ code: 'rate_limited' });
      let asked = 0;
      await expect(b.run('system:42', async () => void asked++)).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfter: 60 } });
      expect(asked).toBe(0);
      // Another account is not held.
      await b.run('system:43', async () => void asked++);
      expect(asked).toBe(1);
    } finally {
      await close();
    }
  });
});

// Over HTTP through the service (PGlite here; the ledger's SQL on PostgreSQL is the replicas' test above).
describe('creating many projects stays inside GitHub secondary limits', () => {
  let h: Harness;
  // A fresh hubgate per test: a long retry-after closes the account's lane for its whole length.
  beforeEach(async () => {
    h = await startHarness({ driver: 'pglite', projects: { pacing: { minIntervalMs, maxWaitMs: 2_000 } } });
    await h.connect(await h.signIn('user_ada'), 'ada', 'tisket-com');
  });
  afterEach(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const rows = () => h.hub.db.db.select().from(repos).where(eq(repos.organizationId, 'org_01TISKET'));

  it('sends creations in one account one at a time, at least the minimum interval apart, all of them succeeding', async () => {
    const ada = await h.signIn('user_ada');
    const names = ['Pace 1', 'Pace 2', 'Pace 3', 'Pace 4', 'Pace 5'];
    const answers = await Promise.all(names.map((name) => h.api(ada, 'POST', '/api/projects', { name })));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    const created = sim()
      .store.reposOf(sim().store.requireAccount('tisket-com').id)
      .filter((r) => r.name.startsWith('pace-'))
      .map((r) => r.createdAt)
      .sort((a, b) => a - b);
    expect(created).toHaveLength(5);
    // GitHub sees them at least about the interval apart: the span of five creations is four intervals, less the
    // jitter of when each request reaches GitHub after its slot (the exact schedule is the pacer's test above).
    expect(created.at(-1)! - created[0]!).toBeGreaterThanOrEqual(4 * minIntervalMs - 100);
  });

  it('waits out a short retry-after from the secondary limit once, and creates the project', async () => {
    const ada = await h.signIn('user_ada');
    sim().faults.add(secondaryLimit('1'));
    const started = performance.now();
    const created = await h.api(ada, 'POST', '/api/projects', { name: 'After a pause' });
    expect(created.status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(sim().store.findRepo('tisket-com', 'after-a-pause.tickets')).toBeDefined();
  });

  it('answers 429 with GitHub’s retry-after when it is long, and asks GitHub nothing more until then', async () => {
    const ada = await h.signIn('user_ada');
    sim().faults.add(secondaryLimit('30'));
    const before = await rows();
    const limited = await ada.request('POST', `${h.hub.url}/api/projects`, {
      json: { name: 'Too fast' },
      headers: { 'x-csrf-token': ada.csrf, accept: 'application/json' },
      follow: false,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(((await limited.json()) as { error: { message: string } }).error.message).toMatch(/try again in 30 s/);
    expect(await rows()).toEqual(before);

    const creates = sim().requestCount('POST /orgs/{org}/repos');
    const next = await h.api(ada, 'POST', '/api/projects', { name: 'Still too fast' });
    expect(next.status).toBe(429);
    expect(sim().requestCount('POST /orgs/{org}/repos')).toBe(creates);
    expect(await rows()).toEqual(before);
  });
});
