import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import type { Contact, ContactChannel } from '../domain/contact-point';
import { keys } from '../resources/table';
import { tableName } from './dynamo';
import { optionalString, type Item } from './item-codec';

/**
 * The contact an account proved control of (a code reached it), kept on the holder's profile item but outside the
 * `Holder` type on purpose: it is read only to send a message or to show it masked, so no view or log can pick it up
 * by accident with the rest of the profile.
 */
export const CONTACT_ATTRIBUTES = { channel: 'contactChannel', address: 'contactAddress', verifiedAt: 'contactVerifiedAt' } as const;

export function contactOf(item: Item | undefined): Contact | undefined {
  const channel = item && optionalString(item, CONTACT_ATTRIBUTES.channel);
  const address = item && optionalString(item, CONTACT_ATTRIBUTES.address);
  return channel && address ? { channel: channel as ContactChannel, address } : undefined;
}

export async function getVerifiedContact(holderId: string): Promise<Contact | undefined> {
  const out = await ddb().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.holder(holderId),
      ProjectionExpression: '#c, #a',
      ExpressionAttributeNames: { '#c': CONTACT_ATTRIBUTES.channel, '#a': CONTACT_ATTRIBUTES.address },
    }),
  );
  return contactOf(out.Item);
}

/** The attributes that record a verified contact, for the write that changes the account. */
export const contactAttributes = (contact: Contact, at: Date): Record<string, string> => ({
  [CONTACT_ATTRIBUTES.channel]: contact.channel,
  [CONTACT_ATTRIBUTES.address]: contact.address,
  [CONTACT_ATTRIBUTES.verifiedAt]: at.toISOString(),
});
