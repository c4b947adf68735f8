import { requireEnv } from './env';

/** `{public base URL}/v1/verify/{code}`: what the QR code on every annotated PDF opens. */
export function verificationUrl(code: string): string {
  return `${requireEnv('ECERT_PUBLIC_BASE_URL').replace(/\/+$/, '')}/v1/verify/${encodeURIComponent(code)}`;
}
