import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP endpoint speaking just enough of the STS, Secrets Manager, SSM and KMS APIs for the real
 * AWS CLI (pointed at it with AWS_ENDPOINT_URL) to run the generated scripts. It records each
 * request's action and body, so a test sees exactly what the CLI sent.
 */
export interface FakeAwsEndpoint {
  readonly url: string;
  readonly requests: { readonly action: string; readonly body: string }[];
  readonly secrets: Record<string, string[]>;
  readonly parameters: Record<string, { Value: string; Type: string; KeyId?: string; Tags?: unknown }>;
  close(): Promise<void>;
}

export async function startFakeAwsEndpoint(account: string, secrets: Record<string, string[]>): Promise<FakeAwsEndpoint> {
  const requests: { action: string; body: string }[] = [];
  const parameters: FakeAwsEndpoint['parameters'] = {};
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target ? target.split('.')[1] : new URLSearchParams(body).get('Action') ?? '';
    requests.push({ action, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(value));
    };
    const input = target ? JSON.parse(body || '{}') : {};
    switch (action) {
      case 'GetCallerIdentity':
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/ci</Arn><UserId>AIDAEXAMPLE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        );
        return;
      case 'DescribeSecret': {
        const versions = secrets[input.SecretId];
        if (!versions) return json(400, { __type: 'ResourceNotFoundException', message: 'not found' });
        const stages = Object.fromEntries(versions.map((_, i) => [`v${i}`, i === versions.length - 1 ? ['AWSCURRENT'] : []]));
        return json(200, { ARN: `arn:aws:secretsmanager:us-east-1:${account}:secret:${input.SecretId}-AbCdEf`, Name: input.SecretId, ...(versions.length ? { VersionIdsToStages: stages } : {}) });
      }
      case 'GetSecretValue': {
        const versions = secrets[input.SecretId];
        if (!versions?.length) return json(400, { __type: 'ResourceNotFoundException', message: 'no value' });
        return json(200, { Name: input.SecretId, SecretString: versions.at(-1) });
      }
      case 'PutSecretValue':
        secrets[input.SecretId].push(input.SecretString);
        return json(200, { Name: input.SecretId, VersionId: `v${secrets[input.SecretId].length}` });
      case 'GetParameters': {
        const found = (input.Names as string[]).filter((n) => parameters[n]);
        return json(200, { Parameters: found.map((Name) => ({ Name, Type: 'SecureString' })), InvalidParameters: (input.Names as string[]).filter((n) => !parameters[n]) });
      }
      case 'DescribeKey':
        return json(200, { KeyMetadata: { KeyId: input.KeyId, KeyState: 'Enabled', Enabled: true } });
      case 'PutParameter':
        if (parameters[input.Name] && !input.Overwrite) return json(400, { __type: 'ParameterAlreadyExists', message: 'exists' });
        parameters[input.Name] = { Value: input.Value, Type: input.Type, KeyId: input.KeyId, Tags: input.Tags };
        return json(200, { Version: 1 });
      default:
        return json(400, { __type: 'UnknownOperationException', message: action });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    secrets,
    parameters,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
