// Builds the dashboard into dist/: one bundled, minified app.js (with its source map), the
// stylesheet and index.html. Everything the page needs is in dist/ (no CDN): the server
// serves it with --web-root web/dist.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// RW_WEB_OUT builds elsewhere (parallel checks must not share dist/).
const dist = process.env.RW_WEB_OUT ?? join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'styles.css']) copyFileSync(join(here, file), join(dist, file));
console.log(`web: built ${dist}`);
