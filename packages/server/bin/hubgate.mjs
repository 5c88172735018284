#!/usr/bin/env node
// `npx hubgate --help`: the service's commands, from the build.
import '../dist/cli/main.js';
