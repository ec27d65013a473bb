// The floor every cdk8s synth pays: one ConfigMap, the same runner (tsx), the same libraries loaded.
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';

const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist' });
const chart = new Chart(app, 'floor');
new k8s.KubeConfigMap(chart, 'ConfigMap', { metadata: { name: 'floor' }, data: { key: 'value' } });
app.synth();
