import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder of aragora-secrets' own package.json, found upwards from this module: the same answer
 * whether the code runs from src/ (tests, tsx), from the compiled lib/src/ (the CLI, the installed
 * package) or from a bundle under node_modules/.cache (cdk8s synth), whose depths below the root differ.
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}
