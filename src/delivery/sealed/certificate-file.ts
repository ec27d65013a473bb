import { MAX_CERTIFICATE_BYTES, readUserFile } from '../../config-kit/user-file';

/**
 * Reads a controller certificate (`seal --cert`, or `delivery.certificate`). The one place where
 * certificate files are read, so that limits on what may be read apply to both: a regular file of
 * at most 1 MiB (never a FIFO, a device or `/dev/zero`).
 *
 * @param label how messages name the file, e.g. `certificate file "cert.pem"`
 */
export function readCertificateFile(file: string, label: string): Buffer {
  return readUserFile(file, { label, maxBytes: MAX_CERTIFICATE_BYTES });
}
