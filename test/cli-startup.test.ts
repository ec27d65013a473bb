import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { requireCurrentBuild, root } from './support/cli';
import { integration } from './support/tiers';

/**
 * Which modules a command loads is a property of a fresh process (the test processes keep every module any
 * earlier test loaded), so a child node builds the compiled program for each command line in turn and reports
 * whether the delivery-method registry is loaded yet.
 */
function startups(argvs: readonly (readonly string[])[]): { argv: readonly string[]; registryLoaded: boolean; seal: boolean }[] {
  requireCurrentBuild();
  const script = `
    const { buildProgram } = require(${JSON.stringify(join(root, 'lib', 'src', 'cli', 'program.js'))});
    const registry = ${JSON.stringify(join(root, 'lib', 'src', 'delivery', 'registry.js'))};
    const io = { cwd: process.cwd(), env: {}, stdout: () => undefined, stderr: () => undefined };
    const seen = ${JSON.stringify(argvs)}.map((argv) => {
      const names = buildProgram(io, { code: 0 }, argv).commands.map((c) => c.name());
      return { argv, registryLoaded: registry in require.cache, seal: names.includes('seal') };
    });
    process.stdout.write(JSON.stringify(seen));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }));
}

integration.test("the CLI's own commands start without loading the delivery methods; --help and a method's command load them", () => {
  const own = [['check', '--env', 'dev'], ['--config', 'seal.yaml', 'render', '--env', 'dev'], ['init']];
  expect(startups(own)).toEqual(own.map((argv) => ({ argv, registryLoaded: false, seal: false })));
  for (const argv of [['--help'], ['seal', '--env', 'dev'], ['sael']]) {
    expect(startups([argv])).toEqual([{ argv, registryLoaded: true, seal: true }]);
  }
});
