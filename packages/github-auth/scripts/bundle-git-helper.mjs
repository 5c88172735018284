// Bundles the git credential helper into dist/git-credential-helper/ (run by `npm run build` after tsc).
// git starts the helper for every fetch and push: resolving and compiling a hundred modules of node_modules
// cost more than the answer itself. One bundle, split at the helper's dynamic imports, loads only what the
// path taken needs (a warm Redis answer never loads Octokit). The dependencies stay in package.json for the
// library; the bundle carries its own copies.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names carry content hashes: last build's chunks would stay beside the new ones.
rmSync(`${root}dist/git-credential-helper`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'dist/git-credential-cli.js' },
  outdir: 'dist/git-credential-helper',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // ioredis and its dependencies are CommonJS and require node's modules: give the ES module bundle a require.
  banner: { js: "import { createRequire as __hubgateRequire } from 'node:module'; const require = __hubgateRequire(import.meta.url);" },
});
