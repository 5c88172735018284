/**
 * A process-wide fake clock for the simulated-hour runs: every party (the simulator, @octokit/auth-app's cache,
 * hubgate's provider) reads Date.now, so moving it moves them all together.
 */
export function installFakeTime(start = Date.now()) {
  const real = Date.now;
  let now = start;
  Date.now = () => now;
  return {
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
    restore() {
      Date.now = real;
    },
  };
}
