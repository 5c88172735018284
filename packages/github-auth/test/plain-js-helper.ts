import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The git helper as plain JavaScript, as it ships (no TypeScript compiler at run time), bundled here from src
 * with esbuild the way the package's build bundles it (scripts/bundle-git-helper.mjs), into a folder of the test's
 * own so that it can remove chunks. Lazy imports become chunks of their own: `lazyChunks` are the files only a
 * cache miss loads.
 */
export async function buildPlainHelper(): Promise<{
  bin: string;
  lazyChunks: string[];
  /** the output files holding code of an input whose path matches (e.g. /@octokit\//) */
  filesWith: (input: RegExp) => string[];
  dispose: () => void;
}> {
  const outdir = mkdtempSync(join(tmpdir(), 'hubgate-helper-js-'));
  const entry = fileURLToPath(new URL('../src/git-credential-cli.ts', import.meta.url));
  const result = await build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    metafile: true,
    logLevel: 'silent',
    // ESM bundles of CommonJS packages need require.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const outputs = result.metafile.outputs;
  const entryOut = Object.keys(outputs).find((o) => outputs[o]!.entryPoint)!;
  const eager = new Set<string>([entryOut]);
  const visit = (file: string) => {
    for (const imported of outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !eager.has(imported.path)) {
        eager.add(imported.path);
        visit(imported.path);
      }
    }
  };
  visit(entryOut);
  const cwd = process.cwd();
  const lazyChunks = Object.keys(outputs)
    .filter((o) => o.endsWith('.js') && !eager.has(o))
    .map((o) => join(cwd, o));
  return {
    bin: join(cwd, entryOut),
    lazyChunks,
    filesWith: (input) =>
      Object.keys(outputs)
        .filter((o) => Object.keys(outputs[o]!.inputs).some((i) => input.test(i)))
        .map((o) => join(cwd, o)),
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

