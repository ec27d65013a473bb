import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { mayQuote } from '../../core/quote';
import type { Plan } from '../../plan/plan';
import { SEALED_DIR, sealedFilePath } from './sealed-file';

/**
 * `sealed/<env>.yaml` files that no environment reads any more: the environment was removed or
 * renamed, or now delivers another way. Nothing fails because of them, which is the trouble: the
 * ciphertext stays committed (readable by whoever holds the controller key) and looks in use.
 */
export function unusedSealedFileWarnings(cwd: string, plan: Plan): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(cwd, SEALED_DIR), { withFileTypes: true });
  } catch {
    return [];
  }
  const byName = new Map(plan.environments.map((env) => [env.name, env]));
  const warnings: string[] = [];
  for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith('.yaml')).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const environment = entry.name.slice(0, -'.yaml'.length);
    const file = `${SEALED_DIR}/${mayQuote(entry.name, 80) ? entry.name : '(a file)'}`;
    const env = byName.get(environment);
    if (!env) {
      warnings.push(
        `${file} belongs to no environment of the config (there is no environment ${mayQuote(environment, 60) ? environment : '(not shown)'}): nothing reads it; ` +
          `delete it (git rm ${file}), or rename it to ${sealedFilePath('<env>')} of the environment it was meant for`,
      );
    } else if (env.delivery.method !== 'sealed') {
      warnings.push(`${file}: environment ${env.name} delivers with \`${env.delivery.method}\` now, so nothing reads it; delete it (git rm ${file}) once the switch is done`);
    }
  }
  return warnings;
}
