#!/usr/bin/env node
// A stand-in for the AWS CLI, for testing the generated scripts without an account: it keeps
// Secrets Manager secrets and SSM parameters in a JSON state file ($FAKE_AWS_STATE), logs every
// call's arguments ($FAKE_AWS_LOG, one JSON line per call) and reads values from stdin exactly
// where the real CLI would (`file:///dev/stdin`). KMS keys are Enabled unless `state.keys[<id>]` says
// otherwise; `$FAKE_AWS_FAIL` ("ssm put-parameter") makes that call fail, as a denied or throttled one would.
const fs = require('node:fs');

const statePath = process.env.FAKE_AWS_STATE;
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
const argv = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_AWS_LOG, JSON.stringify(argv) + '\n');

const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const has = (name) => argv.includes(name);
const value = (name) => {
  const raw = opt(name);
  return raw === 'file:///dev/stdin' ? fs.readFileSync(0, 'utf8') : raw;
};
const fail = (message) => {
  process.stderr.write(`An error occurred: ${message}\n`);
  process.exit(254);
};
const save = () => fs.writeFileSync(statePath, JSON.stringify(state, null, 2));
const [service, command] = argv;
if (process.env.FAKE_AWS_FAIL === `${service} ${command}`) fail('AccessDeniedException: injected by the test');

switch (`${service} ${command}`) {
  case 'sts get-caller-identity':
    process.stdout.write(`${state.account}\n`);
    break;
  case 'secretsmanager describe-secret': {
    const secret = state.secrets[opt('--secret-id')];
    if (!secret) fail('ResourceNotFoundException');
    process.stdout.write(`${secret.versions.length}\n`);
    break;
  }
  case 'secretsmanager get-secret-value': {
    const secret = state.secrets[opt('--secret-id')];
    if (!secret || secret.versions.length === 0) fail('ResourceNotFoundException');
    process.stdout.write(`${secret.versions.at(-1)}\n`);
    break;
  }
  case 'secretsmanager put-secret-value': {
    const secret = state.secrets[opt('--secret-id')];
    if (!secret) fail('ResourceNotFoundException');
    secret.versions.push(value('--secret-string'));
    save();
    break;
  }
  case 'ssm get-parameters':
    process.stdout.write(`${state.parameters[opt('--names')] ? 1 : 0}\n`);
    break;
  case 'ssm put-parameter': {
    const name = opt('--name');
    if (state.parameters[name] && !has('--overwrite')) fail('ParameterAlreadyExists');
    if (has('--overwrite') && has('--tags')) fail('ValidationException: tags and overwrite');
    const stored = { value: value('--value'), type: opt('--type'), keyId: opt('--key-id'), description: opt('--description') };
    if (stored.value === '') fail('ValidationException: empty value');
    state.parameters[name] = { ...state.parameters[name], ...stored, tags: has('--tags') ? JSON.parse(opt('--tags')) : state.parameters[name]?.tags };
    save();
    break;
  }
  case 'cloudformation deploy':
  case 'cloudformation update-termination-protection':
    break;
  case 'kms describe-key': {
    const keyState = (state.keys ?? {})[opt('--key-id')] ?? 'Enabled';
    if (keyState === 'NotFound') fail('NotFoundException');
    process.stdout.write(`${keyState}\n`);
    break;
  }
  default:
    fail(`fake aws does not know "${service} ${command}"`);
}
