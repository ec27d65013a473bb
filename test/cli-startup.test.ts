import type { CliIo } from '../src/cli/program';

const io: CliIo = { cwd: process.cwd(), env: {}, stdout: () => undefined, stderr: () => undefined };

test("the CLI's own commands start without loading the delivery methods; --help and a method's command load them", () => {
  let loaded = 0;
  jest.isolateModules(() => {
    jest.doMock('../src/delivery/registry', () => {
      loaded++;
      return jest.requireActual('../src/delivery/registry');
    });
    const { buildProgram } = require('../src/cli/program') as typeof import('../src/cli/program');
    for (const argv of [['check', '--env', 'dev'], ['--config', 'seal.yaml', 'render', '--env', 'dev'], ['init']]) {
      const names = buildProgram(io, { code: 0 }, argv).commands.map((c) => c.name());
      expect({ argv, loaded, seal: names.includes('seal') }).toEqual({ argv, loaded: 0, seal: false });
    }
    for (const argv of [['--help'], ['seal', '--env', 'dev'], ['sael']]) {
      expect(buildProgram(io, { code: 0 }, argv).commands.map((c) => c.name())).toContain('seal');
    }
    expect(loaded).toBe(1);
  });
});
