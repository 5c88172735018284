#!/usr/bin/env node
// `npx hubgate --help`: the service's commands, from the build.
import module from 'node:module';

// Node 22.1+ keeps the compiled code of every module loaded after this line on disk (a temporary folder, or
// NODE_COMPILE_CACHE), so a restart skips most of the parsing; older versions have no such call.
module.enableCompileCache?.();
await import('../dist/cli/main.js');
