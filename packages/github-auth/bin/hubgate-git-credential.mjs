#!/usr/bin/env node
// git runs this as a credential helper: `git config credential.helper "/path/to/hubgate-git-credential.mjs"`.
// git starts it for every fetch and push, so it must start almost as fast as node: it runs the bundle the
// build makes (dist/git-credential-helper/, split so that a cached answer loads neither Octokit nor the rest),
// with node's compile cache where node has one (22.1+), so that later runs skip compiling it.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/git-credential-helper/cli.js');
