// Unit tests: type-checks, bundles each test/*.test.ts with esbuild into a temp dir and runs
// them with Node's built-in test runner (no browser: the tested code is plain data and
// geometry).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The app against the DOM only; the tests with Node's types as well.
for (const project of [here, join(here, 'test')]) {
  const tsc = spawnSync(process.execPath, [join(here, 'node_modules/typescript/bin/tsc'), '-p', project],
    { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

const tests = readdirSync(join(here, 'test')).filter((f) => f.endsWith('.test.ts'));
const out = mkdtempSync(join(tmpdir(), 'rw-web-test-'));
try {
  await build({
    entryPoints: tests.map((f) => join(here, 'test', f)),
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    packages: 'external',
    logLevel: 'warning',
  });
  const files = readdirSync(out).filter((f) => f.endsWith('.mjs')).map((f) => join(out, f));
  const run = spawnSync(process.execPath, ['--test', ...files], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
