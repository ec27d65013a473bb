// Test files and the sources they import are TypeScript; tsx compiles them as Node loads them, in this test
// process only (registered here rather than through NODE_OPTIONS, which every CLI a test spawns would inherit).
// Types are checked once per run by `tsc --build` in `npm test`, not here.
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerModules } from 'tsx/esm/api';

registerModules();
registerCommonJs();
