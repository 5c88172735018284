#!/usr/bin/env node
// git runs this as a credential helper: `git config credential.helper "/path/to/hubgate-git-credential.mjs"`.
// Plain JavaScript from the build: git starts it for every fetch and push, so it must start as fast as node.
import '../dist/git-credential-cli.js';
