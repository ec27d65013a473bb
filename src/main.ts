import { runSynth } from './synth';

// `cdk8s synth` runs this file and reads what it writes into $CDK8S_OUTDIR.
process.exitCode = runSynth({
  outdir: process.env.CDK8S_OUTDIR ?? 'dist',
  cwd: process.cwd(),
  env: process.env,
});
