import { synthesizeProject } from '../src/synth';
test('loads synth', () => expect(typeof synthesizeProject).toBe('function'));
