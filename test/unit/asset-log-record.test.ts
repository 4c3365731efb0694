import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetLogRecord, REDACTED } from '../../functions/reaper/adapters/asset-log-record';
import { redactSecretsInLogValue } from '../../functions/reaper/adapters/logger';

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
      metadata: { ...example.metadata, name: signed('sneaky-name'), thumbnail: { assetId: 'asset_mt', url: signed('meta-thumb') }, image: signed('image') },
    };
    const record = assetLogRecord(asset);
    const text = JSON.stringify(record);
    expect(text).not.toContain('deadbeef');
    expect(text).not.toContain('cdn.example.com');
    expect(record.name).toBe(REDACTED);
    expect(record.redactedUrls).toEqual(expect.arrayContaining(['metadata.image', 'metadata.name', 'metadata.thumbnail.url', 'url', 'thumbnail.url']));
  });

  it('caps long user text and leaves out absent fields', () => {
    const record = assetLogRecord({ id: 'asset_x', metadata: { name: 'n'.repeat(5_000) } });
    expect(String(record.name).length).toBeLessThanOrEqual(201);
    expect(Object.keys(record).sort()).toEqual(['assetId', 'name', 'redactedUrls']);
  });
});

describe('redactSecretsInLogValue (the logger\'s last line of defence)', () => {
  it.each([
    ['Authorization: Basic a2V5OnNlY3JldHNlY3JldA==', 'Authorization: Basic [redacted]'],
    ['Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'Bearer [redacted]'],
    ['see https://cdn.example.com/a.png?X-Amz-Signature=abc&x=1 now', 'see https://cdn.example.com/a.png?[redacted] now'],
    ['plain words stay', 'plain words stay'],
  ])('%j → %j', (input, output) => {
    expect(redactSecretsInLogValue('k', input)).toBe(output);
  });

  it('leaves non-strings alone', () => {
    expect(redactSecretsInLogValue('k', 42)).toBe(42);
  });
});
