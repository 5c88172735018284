#!/usr/bin/env node
// git runs this as a credential helper: `git config credential.helper "/path/to/hubgate-git-credential"`.
import { register } from 'tsx/esm/api';

register();
await import('../src/git-credential-cli.ts');
