/**
 * `npm run bench:tables -- bench.txt`: the README's benchmark tables (Markdown) from a saved
 * `npm run bench` output (`npm run bench > bench.txt`; its last line is the JSON the tables
 * are made from). Reads standard input when no file is given.
 */
import { readFileSync } from 'node:fs';
import { benchMarkdown, parseBenchOutput } from './lib/markdown.js';

const file = process.argv[2];
process.stdout.write(benchMarkdown(parseBenchOutput(readFileSync(file ?? 0, 'utf8'))));
