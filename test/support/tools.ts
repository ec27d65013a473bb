import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Whether `command` is an executable file in a PATH folder, as the shell finds it, without starting a program:
 * test files decide at load which tool-dependent tests exist, and the unit tier starts no program.
 */
export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((folder) => {
    if (folder === '') return false;
    const file = join(folder, command);
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
