import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { sesv2, smsVoice } from '../aws/clients';
import { ENV, optionalEnv, requireEnv } from '../config/env';
import type { Contact, ContactChannel } from '../domain/contact-point';
import type { OutgoingText } from '../domain/messages';

/**
 * Sends one message to a holder's contact: e-mail through SES v2, SMS through End User Messaging SMS. Both clients
 * come from the one factory, so locally they reach aws-ses-v2-local and the runtime's SMS answerer. A failure is
 * reported by channel and error name only: provider messages can quote the destination.
 */
export class MessageNotSentError extends Error {
  override name = 'MessageNotSentError';
  constructor(
    readonly channel: ContactChannel,
    readonly causeName: string,
  ) {
    super(`the ${channel} message was not accepted by the provider (${causeName})`);
  }
}

export async function sendMessage(to: Contact, message: OutgoingText): Promise<{ messageId?: string }> {
  try {
    if (to.channel === 'EMAIL') {
      const configurationSet = optionalEnv(ENV.emailConfigurationSet);
      const out = await sesv2().send(
        new SendEmailCommand({
          FromEmailAddress: requireEnv(ENV.emailFrom),
          Destination: { ToAddresses: [to.address] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
            },
          },
          ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
        }),
      );
      return out.MessageId ? { messageId: out.MessageId } : {};
    }
    const configurationSet = optionalEnv(ENV.smsConfigurationSet);
    const out = await smsVoice().send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: to.address,
        OriginationIdentity: requireEnv(ENV.smsOrigination),
        MessageBody: message.text,
        MessageType: 'TRANSACTIONAL',
        ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
      }),
    );
    return out.MessageId ? { messageId: out.MessageId } : {};
  } catch (error) {
    if ((error as Error).name === 'ConfigurationError') throw error;
    throw new MessageNotSentError(to.channel, (error as Error).name ?? 'Error');
  }
}
