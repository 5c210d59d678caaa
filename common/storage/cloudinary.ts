import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UploadApiResponse } from 'cloudinary';
import { lazyModule } from '../runtime/lazy-module';
import { assertSafeKey, StorageObjectMissingError, type Storage } from './types';

interface CloudinaryCredentials {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only where Cloudinary is configured
export const cloudinarySdk = lazyModule(() => (require('cloudinary') as typeof import('cloudinary')).v2);

/** `cloudinary://<api_key>:<api_secret>@<cloud_name>`, the form Cloudinary's console hands out. */
export function parseCloudinaryUrl(url: string): CloudinaryCredentials {
  const parsed = new URL(url);
  if (parsed.protocol !== 'cloudinary:' || !parsed.username || !parsed.password || !parsed.hostname) {
    throw new Error('CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud_name>');
  }
  return {
    cloudName: parsed.hostname,
    apiKey: decodeURIComponent(parsed.username),
    apiSecret: decodeURIComponent(parsed.password),
  };
}

/**
 * Files on Cloudinary through the official SDK. Every object is a `raw` resource of delivery type
 * `authenticated`: raw keeps the exact bytes (so the sha256 on the row stays true and nothing is
 * re-encoded), and authenticated means no public URL exists; reads go through a signed URL that only
 * this process can mint. Thumbnails are made by our worker, so Cloudinary's image pipeline is not needed.
 */
export class CloudinaryStorage implements Storage {
  readonly driver = 'cloudinary' as const;
  private readonly folder: string;

  constructor(url: string, folder = 'gema') {
    const creds = parseCloudinaryUrl(url);
    cloudinarySdk().config({ cloud_name: creds.cloudName, api_key: creds.apiKey, api_secret: creds.apiSecret, secure: true });
    this.folder = folder;
  }

  private publicId(key: string): string {
    assertSafeKey(key);
    return `${this.folder}/${key}`;
  }

  async put(key: string, body: Readable | Buffer, _mime: string): Promise<void> {
    const publicId = this.publicId(key);
    let upload!: NodeJS.WritableStream;
    const done = new Promise<UploadApiResponse | undefined>((resolve, reject) => {
      upload = cloudinarySdk().uploader.upload_stream(
        { public_id: publicId, resource_type: 'raw', type: 'authenticated', overwrite: true, invalidate: true },
        (err, result) => (err ? reject(new Error(`Cloudinary upload failed: ${err.message}`)) : resolve(result)),
      );
    });
    await Promise.all([pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, upload), done]);
  }

  async get(key: string): Promise<Readable> {
    const url = cloudinarySdk().url(this.publicId(key), {
      resource_type: 'raw',
      type: 'authenticated',
      sign_url: true,
      secure: true,
    });
    const res = await fetch(url);
    if (res.status === 404) throw new StorageObjectMissingError(key);
    if (!res.ok || !res.body) throw new Error(`Cloudinary answered ${res.status} for ${key}`);
    return Readable.fromWeb(res.body);
  }

  async delete(key: string): Promise<void> {
    const result = (await cloudinarySdk().uploader.destroy(this.publicId(key), {
      resource_type: 'raw',
      type: 'authenticated',
      invalidate: true,
    })) as { result?: string };
    if (result.result !== 'ok' && result.result !== 'not found') {
      throw new Error(`Cloudinary could not delete ${key}: ${result.result ?? 'no answer'}`);
    }
  }
}
