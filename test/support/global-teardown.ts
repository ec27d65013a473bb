import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  const cache = process.env.ARAGORA_SECRETS_CACHE;
  if (cache && /aragora-test-build-cache-/.test(cache)) rmSync(cache, { recursive: true, force: true });
}
