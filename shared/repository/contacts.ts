import type { ContactOnRecord } from '../domain/contact';
import type { IdType } from '../domain/identity';
import { CONTACT_ATTRIBUTES, listCertificateItemsByIdentity } from './certificates';
import { optionalString } from './item-codec';

/**
 * The contact on record of an identity (API.md "Accounts v2"): the `mobile` and `email` imported with its certificate
 * records, the record with the newest `issuedAt` winning — per channel, so a newer record that carries only an e-mail
 * address does not drop the mobile number an older one carried. The values live on the certificate items (so a
 * corrected ID number moves them with the record); this is the one module that reads them back.
 *
 * For sending only: never put the result in a response, a log line, an error or an audit event — show
 * `maskContact(...)` (shared/domain/contact.ts) instead.
 */
export async function getContactOnRecord(idType: IdType, idHash: string): Promise<ContactOnRecord | undefined> {
  // Newest issue date first (gsi1 sorts by issuedAt, then certId).
  const items = await listCertificateItemsByIdentity(idType, idHash);
  let mobile: string | undefined;
  let email: string | undefined;
  for (const item of items) {
    mobile ??= optionalString(item, CONTACT_ATTRIBUTES.mobile);
    email ??= optionalString(item, CONTACT_ATTRIBUTES.email);
    if (mobile && email) break;
  }
  if (!mobile && !email) return undefined;
  return { ...(mobile ? { mobile } : {}), ...(email ? { email } : {}) };
}
