import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeProject } from '../src/synth';
test('synth default', () => { const t0=Date.now(); synthesizeProject({ cwd: mkdtempSync(join(tmpdir(),'zz-')), env: {} }); console.log('first synth ms', Date.now()-t0); const t1=Date.now(); synthesizeProject({ cwd: mkdtempSync(join(tmpdir(),'zz-')), env: {} }); console.log('second synth ms', Date.now()-t1); });
