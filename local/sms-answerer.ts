import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * End User Messaging SMS has no emulator: this answers `SendTextMessage` on loopback for the real
 * @aws-sdk/client-pinpoint-sms-voice-v2 client (AWS JSON 1.0, `X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`),
 * keeps what was sent in memory, and lists it at `GET /store` (newest last, like aws-ses-v2-local's store).
 * Like the real service it wants a signed request and a destination in E.164.
 */
export interface SentText {
  messageId: string;
  to: string;
  from?: string;
  text: string;
  /** Epoch milliseconds. */
  at: number;
}

const TARGET_PREFIX = 'PinpointSMSVoiceV2.';
const E164 = /^\+[1-9]\d{7,14}$/;
const MAX_BODY = 256 * 1024;

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch (error) {
        reject(error);
      }
    });
    request.on('error', reject);
  });
}

export async function startSmsAnswerer(port: number, host = '127.0.0.1'): Promise<{ server: Server; sent: SentText[] }> {
  const sent: SentText[] = [];
  const server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown, type = 'application/x-amz-json-1.0') => {
      response.writeHead(status, { 'content-type': type });
      response.end(JSON.stringify(body));
    };
    try {
      if (request.method === 'GET' && request.url?.split('?')[0] === '/store') return reply(200, { messages: sent }, 'application/json');
      if (request.method === 'GET' && request.url === '/health-check') return reply(200, {}, 'application/json');
      if (request.method !== 'POST') return reply(404, { __type: 'UnknownOperationException' });
      const target = String(request.headers['x-amz-target'] ?? '');
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
        request.resume();
        return reply(403, { __type: 'AccessDeniedException', message: 'Missing Authentication Token' });
      }
      const body = (await readJson(request)) as Record<string, unknown>;
      if (target !== `${TARGET_PREFIX}SendTextMessage`) {
        return reply(400, { __type: 'UnknownOperationException', message: `${target} is not answered locally` });
      }
      const to = body.DestinationPhoneNumber;
      const text = body.MessageBody;
      if (typeof to !== 'string' || !E164.test(to) || typeof text !== 'string' || text.length === 0) {
        return reply(400, { __type: 'ValidationException', message: 'DestinationPhoneNumber (E.164) and MessageBody are required' });
      }
      const messageId = randomUUID();
      sent.push({
        messageId,
        to,
        ...(typeof body.OriginationIdentity === 'string' ? { from: body.OriginationIdentity } : {}),
        text,
        at: Date.now(),
      });
      return reply(200, { MessageId: messageId });
    } catch {
      return reply(400, { __type: 'SerializationException', message: 'request body is not JSON' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, sent };
}
