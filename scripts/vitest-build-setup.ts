import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Tests import the packages from src/, but the bins they spawn run the build (as they do once installed):
 * `tsc -b` brings dist/ up to date first (incremental: well under a second when nothing changed), then the git
 * helper's bundle is made from it (esbuild: a fraction of a second) and the PGlite template (`npm run build` does
 * the same).
 */
export default function buildBeforeTests() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  execFileSync(process.execPath, [`${root}packages/github-auth/scripts/bundle-git-helper.mjs`], {
    cwd: root,
    stdio: 'inherit',
  });
  // The migrated PGlite template new embedded databases start from (made again only when the migrations change).
  execFileSync(process.execPath, [`${root}packages/server/scripts/build-pglite-template.mjs`], { cwd: root, stdio: 'inherit' });
}
