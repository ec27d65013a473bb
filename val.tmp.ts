import { parseConfigFile } from './src/config/load';
import { resolvePlan } from './src/model/plan';
import { synthesizePlan } from './src/output/synthesize';
try { const c = parseConfigFile('test/fixtures/leak/every-field.yaml'); console.log('valid'); const f = synthesizePlan(resolvePlan(c)); console.log(f.length, 'files'); } catch (e) { console.log((e as Error).message); }
