// Builds the story editor into the one file the newsroom serves (themes/admin/assets/editor.js),
// which is committed so that running the site needs no Node. CI rebuilds it and fails if the
// committed file differs, and this script fails if the file passes its size budget.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const output = '../themes/admin/assets/editor.js';
const budget = 300 * 1024;

await build({
  entryPoints: ['src/main.js'],
  outfile: output,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
  banner: { js: '/* Masthead story editor. Built from editor/ with esbuild; includes Lexical (MIT, Meta Platforms, Inc. and affiliates). */' },
  define: { 'process.env.NODE_ENV': '"production"' },
  conditions: ['production'],
  logLevel: 'warning',
});

const bytes = readFileSync(output);
const compressed = gzipSync(bytes, { level: 9 }).length;
console.log(`editor.js: ${(bytes.length / 1024).toFixed(1)} KB, ${(compressed / 1024).toFixed(1)} KB compressed (budget ${budget / 1024} KB)`);
if (compressed > budget) {
  console.error('editor.js is over its budget of 300 KB compressed');
  process.exit(1);
}
