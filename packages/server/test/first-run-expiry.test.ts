import { expect, it } from 'vitest';
import { firstRunApp } from '../src/first-run/first-run-app.js';

const unescape = (v: string) => v.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));

it("refuses GitHub's return for a registration started more than an hour ago (the manifest code's lifetime)", async () => {
  let now = Date.parse('2026-12-08T00:00:00Z');
  const app = firstRunApp({
    token: 'setup-token',
    url: 'http://127.0.0.1:9999',
    form: { productName: 'hubgate', url: 'http://127.0.0.1:9999', publicUrlSet: false, webUrl: 'https://github.com', tokenFile: null, configFile: '/tmp/x' },
    fetch: () => Promise.reject(new Error('GitHub is not asked for an expired registration')),
    now: () => now,
    finish: () => Promise.reject(new Error('nothing is registered')),
  });
  const start = async () => {
    const started = await app.request('/first-run', {
      method: 'POST',
      body: new URLSearchParams({ token: 'setup-token', webUrl: 'https://github.com', organization: '', name: 'My hubgate', output: 'file' }),
    });
    expect(started.status).toBe(200);
    const state = unescape(/name="state" value="([^"]*)"/.exec(await started.text())![1]!);
    const cookie = started.headers.get('set-cookie')!.split(';')[0]!;
    return { state, cookie };
  };
  const back = (state: string, cookie: string) => app.request(`/first-run/callback?state=${encodeURIComponent(state)}&code=c0de`, { headers: { cookie } });

  const late = await start();
  now += 60 * 60 * 1000 + 1;
  const refused = await back(late.state, late.cookie);
  expect(refused.status).toBe(400);
  expect(await refused.text()).toContain('does not match a registration in progress (unknown, expired or already used)');

  // within the hour, the same return goes on to GitHub (here: the code conversion, which this test's fetch refuses)
  const fresh = await start();
  now += 59 * 60 * 1000;
  const onward = await back(fresh.state, fresh.cookie);
  expect(await onward.text()).not.toContain('does not match a registration in progress');
});
