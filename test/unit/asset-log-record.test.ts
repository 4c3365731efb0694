import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetLogRecord, MAX_REDACTED_URL_PATHS, REDACTED } from '#reaper/adapters/asset-log-record';
import { jsonRedactor } from '#reaper/adapters/redact';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '../../local/fixtures/asset-unlock-response.example.json'), 'utf8')).asset;

const signed = (name: string) => `https://cdn.example.com/${name}?X-Amz-Signature=deadbeef${name}&X-Amz-Expires=3600`;

describe('assetLogRecord', () => {
  it('keeps the fields ops look for, from the reference example', () => {
    expect(assetLogRecord(example)).toEqual({
      assetId: 'id',
      name: 'name',
      kind: '3d',
      type: '3d-texture',
      status: 'error',
      ownerId: 'ownerId',
      authorId: 'authorId',
      privacy: 'private',
      mimeType: 'mimeType',
      source: '3d23d',
      createdAt: 'createdAt',
      updatedAt: 'updatedAt',
      lockExpiresAt: 'lockExpiresAt',
      parentId: 'parentId',
      thumbnailAssetId: 'assetId',
      collectionIds: 1,
      redactedUrls: ['metadata.thumbnail.url', 'url', 'firstFrame.url', 'lastFrame.url', 'originalFileUrl', 'preview.url', 'thumbnail.url'],
    });
  });

  it('never carries a URL: every signed link is listed by its path only', () => {
    const asset = {
      ...example,
      id: 'asset_x',
      url: signed('main'),
      originalFileUrl: signed('original'),
      thumbnail: { assetId: 'asset_t', url: signed('thumb') },
      preview: { assetId: 'asset_p', url: signed('preview') },
      firstFrame: { assetId: 'asset_f', url: signed('first') },
      lastFrame: { assetId: 'asset_l', url: signed('last') },
      metadata: {
        ...example.metadata,
        name: signed('sneaky-name'),
        thumbnail: { assetId: 'asset_mt', url: signed('meta-thumb') },
        image: signed('image'),
      },
    };
    const record = assetLogRecord(asset);
    const text = JSON.stringify(record);
    expect(text).not.toContain('deadbeef');
    expect(text).not.toContain('cdn.example.com');
    expect(record.name).toBe(REDACTED);
    expect(record.redactedUrls).toEqual(
      expect.arrayContaining(['metadata.image', 'metadata.name', 'metadata.thumbnail.url', 'url', 'thumbnail.url']),
    );
  });

  it('caps long user text and leaves out absent fields', () => {
    const record = assetLogRecord({ id: 'asset_x', metadata: { name: 'n'.repeat(5_000) } });
    expect(String(record.name).length).toBeLessThanOrEqual(201);
    expect(Object.keys(record).sort()).toEqual(['assetId', 'name', 'redactedUrls']);
  });

  it('keeps scalar fields only: a signed URL used as an object key in a non-string field never reaches the record', () => {
    const key = 'https://cdn.example.com/k.png?X-Amz-Signature=deadbeefkey';
    const record = assetLogRecord({
      id: 'asset_x',
      kind: { [key]: true },
      status: ['//cdn.example.com/s?sig=deadbeefstatus'],
      privacy: 7,
      source: true,
      metadata: { name: 'hello', type: { nested: key }, '//cdn.example.com/m?sig=deadbeefmeta': 1 },
    });
    const text = JSON.stringify(record);
    expect(text).not.toContain('deadbeef');
    expect(text).not.toContain('cdn.example.com');
    expect(record).toMatchObject({ assetId: 'asset_x', name: 'hello', privacy: 7, source: true });
    expect(record).not.toHaveProperty('kind');
    expect(record).not.toHaveProperty('status');
    expect(record.redactedUrls).toEqual(expect.arrayContaining(['kind.[key]', 'status[0]', 'metadata.type.nested', 'metadata.[key]']));
  });

  it.each([
    ['protocol-relative', '//cdn.example.com/p?sig=deadbeef1'],
    ['JSON-escaped', 'https:\\/\\/cdn.example.com\\/p?X-Amz-Signature=deadbeef2'],
    ['percent-encoded', 'https%3A%2F%2Fcdn.example.com%2Fp%3FX-Amz-Signature%3Ddeadbeef3'],
    ['a fragment token', 'see #token=deadbeef4'],
  ])('redacts a %s URL in a text field', (_name, value) => {
    const record = assetLogRecord({ id: 'asset_x', metadata: { name: value } });
    expect(JSON.stringify(record)).not.toContain('deadbeef');
  });

  // Issue 16 item 6: every string field of the record gets the fail-closed pass, in every spelling of a URL.
  it.each([
    ['an unlisted parameter', 'https://cdn.x.com/a.png?hmac=deadbeef5'],
    ['a path parameter', 'https://cdn.x.com/a.png;jsessionid=deadbeef6'],
    ['backslashes', 'https:\\\\cdn.x.com\\a.png?hmac=deadbeef7'],
    ['a mixed slash spelling', 'https:/\\/cdn.x.com/a.png?hmac=deadbeef8'],
    ['no scheme', 'cdn.x.com/a.png?hmac=deadbeef9'],
    ['unicode-escaped slashes', 'https:\\u002f\\u002fcdn.x.com\\u002fa.png?hmac=deadbeefa'],
  ])('drops a URL with %s from name, status, ownerId and every other text field', (_name, value) => {
    const record = assetLogRecord({
      id: 'asset_x',
      status: value,
      ownerId: value,
      authorId: value,
      kind: value,
      mimeType: value,
      metadata: { name: value, type: value, parentId: value, lockExpiresAt: value },
    });
    expect(JSON.stringify(record)).not.toContain('deadbeef');
    expect(JSON.stringify(record)).not.toContain('cdn.x.com');
    for (const field of ['status', 'ownerId', 'authorId', 'kind', 'mimeType', 'name', 'type', 'parentId', 'lockExpiresAt'])
      expect(record[field]).toBe(REDACTED);
    expect(record.redactedUrls).toEqual(expect.arrayContaining(['status', 'ownerId', 'metadata.name']));
  });

  it('caps the list of URL paths and counts the rest', () => {
    const asset = {
      id: 'asset_x',
      links: Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`l${i}`, `https://cdn.example.com/${i}`])),
    };
    const record = assetLogRecord(asset);
    expect(record.redactedUrls).toHaveLength(MAX_REDACTED_URL_PATHS);
    expect(record.redactedUrlsOmitted).toBe(80 - MAX_REDACTED_URL_PATHS);
  });
});

describe("the logger's replacer (adapters/redact.ts)", () => {
  it.each([
    ['Authorization: Basic a2V5OnNlY3JldHNlY3JldA==', 'Authorization: Basic [redacted]'],
    ['Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'Bearer [redacted]'],
    ['see https://cdn.example.com/a.png?X-Amz-Signature=abc&x=1 now', 'see https://cdn.example.com/a.png?[redacted] now'],
    ['plain words stay', 'plain words stay'],
  ])('%j → %j', (input, output) => {
    expect(jsonRedactor()('k', input)).toBe(output);
  });

  it('leaves non-strings alone', () => {
    expect(jsonRedactor()('k', 42)).toBe(42);
  });
});
