import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { s3 } from '../aws/clients';
import { ENV, requireEnv } from '../config/env';

/**
 * The import bucket (shared/resources/operations.ts importKeys): the normalised upload, one result object per Map
 * batch, the run's report. JSON in, JSON out; the upload is streamed in parts so a file of any size runs in constant
 * memory.
 */
export const importBucket = (): string => requireEnv(ENV.importBucketName);

export async function uploadStream(key: string, body: Readable, contentType: string): Promise<void> {
  // 8 MiB parts, 4 at a time: ≈ 32 MiB in memory whatever the file's size.
  await new Upload({ client: s3(), params: { Bucket: importBucket(), Key: key, Body: body, ContentType: contentType }, partSize: 8 * 1024 * 1024, queueSize: 4 }).done();
}

export async function putJson(key: string, value: unknown, contentType = 'application/json'): Promise<void> {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  await s3().send(new PutObjectCommand({ Bucket: importBucket(), Key: key, Body: body, ContentType: contentType }));
}

export async function getText(key: string): Promise<string | undefined> {
  try {
    const out = await s3().send(new GetObjectCommand({ Bucket: importBucket(), Key: key }));
    return await out.Body!.transformToString('utf8');
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw error;
  }
}

/** A readable body (the local Map reads the upload back as Step Functions' item reader would). */
export async function getStream(key: string): Promise<Readable> {
  const out = await s3().send(new GetObjectCommand({ Bucket: importBucket(), Key: key }));
  return out.Body as Readable;
}

export async function listKeys(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const out = await s3().send(new ListObjectsV2Command({ Bucket: importBucket(), Prefix: prefix, ContinuationToken: token }));
    for (const object of out.Contents ?? []) if (object.Key) found.push(object.Key);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return found.sort();
}

export const s3Uri = (key: string): string => `s3://${importBucket()}/${key}`;
