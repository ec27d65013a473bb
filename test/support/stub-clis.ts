import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Stand-ins for gcloud, vault and kubectl (and the fake AWS CLI of fake-aws.js), for running the
 * generated scripts without a cloud. Each records every call in $STUB_LOG: its arguments as they
 * arrived (NUL-separated, so any text survives), and what it read on stdin where the real CLI reads
 * a value there (`--data-file=-`, a lone `-`).
 *
 * gcloud answers: `describe` of a service account or secret fails (so the script creates it);
 * `secrets versions list` prints $STUB_ENABLED_VERSIONS with `--filter=state:ENABLED` and
 * $STUB_ANY_VERSIONS without, or fails like an unreachable API when $STUB_LIST_FAILS is set.
 * Every other call succeeds.
 */
const STUB = `#!/bin/sh
name=\${0##*/}
{ printf '%s\\0' CALL "$name" "$#"; [ "$#" -eq 0 ] || printf '%s\\0' "$@"; } >> "$STUB_LOG"
for a in "$@"; do
  case "$a" in
    --data-file=- | -) printf '%s\\0' STDIN >> "$STUB_LOG"; cat >> "$STUB_LOG"; printf '\\0' >> "$STUB_LOG"; break ;;
  esac
done
[ "$name" = gcloud ] || exit 0
case "$1 $2 $3" in
  "iam service-accounts describe" | "secrets describe "*) exit 1 ;;
  "secrets versions list")
    if [ -n "\${STUB_LIST_FAILS:-}" ]; then echo "ERROR: (gcloud.secrets.versions.list) UNAVAILABLE: the service is currently unavailable" >&2; exit 1; fi
    for a in "$@"; do [ "$a" = --filter=state:ENABLED ] && { [ -z "\${STUB_ENABLED_VERSIONS:-}" ] || printf '%s\\n' "$STUB_ENABLED_VERSIONS"; exit 0; }; done
    [ -z "\${STUB_ANY_VERSIONS:-}" ] || printf '%s\\n' "$STUB_ANY_VERSIONS"
    exit 0 ;;
esac
exit 0
`;

export interface StubCall {
  readonly cli: string;
  readonly args: readonly string[];
  /** What the call read on stdin, when it reads a value there. */
  readonly stdin?: string;
}

export interface StubWorld {
  readonly dir: string;
  /** Prepend to PATH. */
  readonly bin: string;
  /** Where injected commands would leave their marks: must stay empty. */
  readonly marks: string;
  readonly env: NodeJS.ProcessEnv;
  /** The calls of gcloud, vault and kubectl, in order. */
  calls(): StubCall[];
  /** The calls of the fake AWS CLI (argv only; the values are in its state). */
  awsCalls(): string[][];
  awsState(): any;
  setAwsState(state: unknown): void;
  /** The files injected commands created. */
  marksLeft(): string[];
}

export function stubWorld(): StubWorld {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-stubs-'));
  const bin = join(dir, 'bin');
  const marks = join(dir, 'marks');
  mkdirSync(bin);
  mkdirSync(marks);
  for (const cli of ['gcloud', 'vault', 'kubectl']) {
    writeFileSync(join(bin, cli), STUB);
    chmodSync(join(bin, cli), 0o755);
  }
  copyFileSync(join(__dirname, 'fake-aws.js'), join(bin, 'aws'));
  chmodSync(join(bin, 'aws'), 0o755);
  const log = join(dir, 'calls.log');
  const awsLog = join(dir, 'aws-calls.log');
  const awsState = join(dir, 'aws-state.json');
  writeFileSync(awsState, JSON.stringify({ account: '123456789012', secrets: {}, parameters: {} }));
  return {
    dir,
    bin,
    marks,
    env: { PATH: `${bin}:${process.env.PATH}`, STUB_LOG: log, FAKE_AWS_LOG: awsLog, FAKE_AWS_STATE: awsState },
    calls: () => parseLog(existsSync(log) ? readFileSync(log, 'utf8') : ''),
    awsCalls: () => (existsSync(awsLog) ? readFileSync(awsLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
    awsState: () => JSON.parse(readFileSync(awsState, 'utf8')),
    setAwsState: (state) => writeFileSync(awsState, JSON.stringify(state)),
    marksLeft: () => readdirSync(marks),
  };
}

function parseLog(text: string): StubCall[] {
  const fields = text.split('\0');
  const calls: StubCall[] = [];
  let i = 0;
  while (i < fields.length - 1) {
    if (fields[i] !== 'CALL') throw new Error(`stub log out of step at field ${i}`);
    const cli = fields[i + 1];
    const count = Number(fields[i + 2]);
    const args = fields.slice(i + 3, i + 3 + count);
    i += 3 + count;
    if (fields[i] === 'STDIN') {
      calls.push({ cli, args, stdin: fields[i + 1] });
      i += 2;
    } else {
      calls.push({ cli, args });
    }
  }
  return calls;
}

/** The shells a POSIX script must work in (those installed): sh, dash, bash. */
export const POSIX_SHELLS = ['sh', 'dash', 'bash'].filter((shell) => ['/bin', '/usr/bin'].some((d) => existsSync(join(d, shell))));
