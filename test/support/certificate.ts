import { createPrivateKey, createPublicKey, sign } from 'node:crypto';

/**
 * A self-signed X.509 v3 certificate (RSA, SHA-256) for a private key, valid between two instants: what
 * `openssl req -x509` makes for a Sealed Secrets controller (subject O=sealed-secret, CN empty), written in
 * this process so that the unit tests start no program. Node reads certificates but does not make them; the
 * DER below is the few fields a certificate needs (RFC 5280 section 4.1), no extensions.
 */
export function selfSignedCertificate(privateKeyPem: string, notBefore: Date, notAfter: Date): string {
  const privateKey = createPrivateKey(privateKeyPem);
  const sha256WithRsa = sequence(Buffer.from('06092a864886f70d01010b0500', 'hex'));
  const name = sequence(
    set(sequence(Buffer.from('060355040a', 'hex'), tlv(0x0c, Buffer.from('sealed-secret')))), // O
    set(sequence(Buffer.from('0603550403', 'hex'), tlv(0x0c, Buffer.alloc(0)))), // CN
  );
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version 3
    tlv(0x02, Buffer.from([1])), // serial number
    sha256WithRsa,
    name, // issuer: itself
    sequence(time(notBefore), time(notAfter)),
    name, // subject
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, sha256WithRsa, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const lines = der.toString('base64').match(/.{1,64}/g)!;
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const length = body.length < 0x80 ? Buffer.from([body.length]) : lengthBytes(body.length);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

function lengthBytes(length: number): Buffer {
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const sequence = (...contents: Buffer[]) => tlv(0x30, ...contents);
const set = (...contents: Buffer[]) => tlv(0x31, ...contents);

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 section 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z'); // YYYYMMDDHHMMSSZ
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}
