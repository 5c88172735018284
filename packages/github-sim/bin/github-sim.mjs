#!/usr/bin/env node
// `npx github-sim --help`: the simulator standalone, from the build.
import '../dist/cli.js';
