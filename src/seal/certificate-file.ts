import { readFileSync } from 'node:fs';

/**
 * Reads a controller certificate (`seal --cert`, or `delivery.certificate`). The one place where
 * certificate files are read, so that limits on what may be read apply to both.
 */
export function readCertificateFile(file: string): Buffer {
  return readFileSync(file);
}
