import { describe, expect, it } from 'vitest';
import { redactingWriter } from '#ops/kit/process-output';
import { jsonRedactor, looksLikeUrl, redactError, redactText, redactValue } from '#reaper/adapters/redact';

const SIG = 'c0ffee5eedc0ffee5eed';

describe('redactText', () => {
  it.each([
    [
      'a plain signed URL',
      `see https://cdn.example/a.png?X-Amz-Algorithm=AWS4&X-Amz-Signature=${SIG} now`,
      'see https://cdn.example/a.png?[redacted] now',
    ],
    [
      'a JSON-escaped signed URL',
      `{"url":"https:\\/\\/cdn.example\\/a.png?X-Amz-Signature=${SIG}"}`,
      '{"url":"https:\\/\\/cdn.example\\/a.png?[redacted]"}',
    ],
    ['a protocol-relative URL', `//cdn.example/p?sig=${SIG}`, '//cdn.example/p?[redacted]'],
    ['a fragment', `https://app.example/cb#access_token=${SIG}&x=1`, 'https://app.example/cb#[redacted]'],
    ['a bare #token fragment', `opened #token=${SIG}`, 'opened #token=[redacted]'],
    [
      'a percent-encoded URL',
      `next=https%3A%2F%2Fcdn.example%2Fa%3FX-Amz-Signature%3D${SIG}`,
      'next=https%3A%2F%2Fcdn.example%2Fa%3F[redacted]',
    ],
    ['a double-encoded URL', `next=https%253A%252F%252Fcdn%252Fa%253Fsig%253D${SIG}`, 'next=https%253A%252F%252Fcdn%252Fa%253F[redacted]'],
    ['an encoded parameter alone', `q=a%26X-Goog-Signature%3D${SIG}`, 'q=a%26X-Goog-Signature%3D[redacted]'],
    [
      'a CloudFront signed URL without a scheme or slashes (a file name is enough to drop the whole query)',
      `img.png?Expires=1700000000&Signature=${SIG}&Key-Pair-Id=K2ABC`,
      'img.png?[redacted]',
    ],
    [
      'CloudFront parameters with nothing URL-like before them',
      `query Expires=1700000000&Signature=${SIG}&Key-Pair-Id=K2ABC`,
      'query Expires=[redacted]&Signature=[redacted]&Key-Pair-Id=[redacted]',
    ],
    ['an Azure SAS token', `?sv=2022&sig=${SIG}`, '?sv=2022&sig=[redacted]'],
    ['a JSON-escaped ampersand', `a\\u0026sig=${SIG}`, 'a\\u0026sig=[redacted]'],
    ['a signature as a JSON member', `{"X-Amz-Signature":"${SIG}","ok":1}`, '{"X-Amz-Signature":"[redacted]","ok":1}'],
    ['a signature as an escaped JSON member', `{\\"token\\":\\"${SIG}\\"}`, '{\\"token\\":\\"[redacted]\\"}'],
    ['a lowercase basic credential', 'authorization: basic a2V5OnNlY3JldHNlY3JldA==', 'authorization: basic [redacted]'],
    ['a Basic credential', 'Authorization: Basic a2V5OnNlY3JldHNlY3JldA==', 'Authorization: Basic [redacted]'],
    ['a lowercase bearer JWT', 'bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'bearer [redacted]'],
    ['credentials in a URL', 'https://user:pa55@api.example/v1', 'https://[redacted]@api.example/v1'],
  ])('%s', (_name, input, output) => {
    expect(redactText(input)).toBe(output);
    expect(redactText(output)).toBe(output);
  });

  // Issue 16 item 6: a URL loses its whole query and fragment (and its ;parameters), whatever the parameter names and
  // however the URL is spelled.
  it.each([
    ['an unlisted parameter name', `https://cdn.x.com/a.png?hmac=${SIG}`, 'https://cdn.x.com/a.png?[redacted]'],
    ['a path parameter', `https://cdn.x.com/a.png;jsessionid=${SIG}`, 'https://cdn.x.com/a.png;[redacted]'],
    ['a path parameter before a query', `https://cdn.x.com/a;jsessionid=${SIG}?a=1`, 'https://cdn.x.com/a;[redacted]'],
    ['backslashes for slashes', `https:\\\\cdn.x.com\\a.png?hmac=${SIG}`, 'https:\\\\cdn.x.com\\a.png?[redacted]'],
    ['a mixed slash spelling', `https:/\\/cdn.x.com/a.png?hmac=${SIG}`, 'https:/\\/cdn.x.com/a.png?[redacted]'],
    ['no scheme and no slashes before the host', `cdn.x.com/a.png?hmac=${SIG}`, 'cdn.x.com/a.png?[redacted]'],
    ['a scheme-less URL in a sentence', `fetched cdn.x.com/a.png#hmac=${SIG} ok`, 'fetched cdn.x.com/a.png#[redacted] ok'],
    [
      'JSON unicode-escaped slashes',
      `https:\\u002f\\u002fcdn.x.com\\u002fa.png?hmac=${SIG}`,
      'https:\\u002f\\u002fcdn.x.com\\u002fa.png?[redacted]',
    ],
    ['a unicode-escaped question mark', `//cdn.x.com/a.png\\u003fhmac=${SIG}`, '//cdn.x.com/a.png\\u003f[redacted]'],
    ['an encoded question mark after a host', `cdn.x.com/a.png%3Fhmac%3D${SIG}`, 'cdn.x.com/a.png%3F[redacted]'],
    ['a query ending at an escaped quote', `{\\"u\\":\\"//h.x.com/p?hmac=${SIG}\\"}`, '{\\"u\\":\\"//h.x.com/p?[redacted]\\"}'],
  ])('fails closed on %s', (_name, input, output) => {
    expect(redactText(input)).toBe(output);
    expect(redactText(output)).toBe(output);
    expect(redactText(input)).not.toContain(SIG);
  });

  it.each([
    'plain words stay',
    'a basic configuration and bearer bonds',
    'reap run-1: 6 examined, 2 stale, lockExpiresAt=2026-01-01T00:00:00Z, 4 tokens used',
    'https://api.cloud.scenario.com/v1/assets/asset_x/unlock',
    'arn:aws:scheduler:eu-west-1:123456789012:schedule/default/reaper',
    '{"runId":"req-1","skipped":{"live":2},"stopReason":null}',
  ])('leaves %j alone', (text) => {
    expect(redactText(text)).toBe(text);
  });

  it('redacts the literal secrets it is given', () => {
    expect(redactText('echo: key:s3cr3t-value and s3cr3t-value', ['s3cr3t-value'])).toBe('echo: key:[redacted] and [redacted]');
  });
});

describe('looksLikeUrl', () => {
  it.each([
    'https://h/p',
    '//h/p?x',
    'https:\\/\\/h',
    'https%3A%2F%2Fh',
    'https:\\\\h\\p',
    'https:/\\/h/p',
    'cdn.x.com/a.png',
    'h:\\u002f\\u002fh',
  ])('%j is URL-like', (text) => expect(looksLikeUrl(text)).toBe(true));
  it.each(['asset_x', 'a/b', 'plain'])('%j is not', (text) => expect(looksLikeUrl(text)).toBe(false));
});

describe('redactValue, jsonRedactor, redactError, redactingWriter', () => {
  it('copies a value with strings and keys redacted', () => {
    const input = { a: [`//h/p?sig=${SIG}`], [`https://h/p?X-Amz-Signature=${SIG}`]: { n: 1 } };
    const text = JSON.stringify(redactValue(input));
    expect(text).not.toContain(SIG);
    expect(input.a[0]).toContain(SIG);
  });

  it('as a JSON replacer, redacts key names too, and keeps an object seen twice as one copy', () => {
    const inner = { [`//h/p?sig=${SIG}`]: true };
    const replacer = jsonRedactor();
    const text = JSON.stringify({ first: inner, second: inner, plain: { ok: 'yes' } }, replacer);
    expect(text).not.toContain(SIG);
    expect(JSON.parse(text).plain).toEqual({ ok: 'yes' });
    expect(replacer('k', inner)).toBe(replacer('k', inner));
  });

  it('redacts an error message and stack in place', () => {
    const error = redactError(new Error(`refused https://h/p?token=${SIG}`));
    expect(error.message).toBe('refused https://h/p?[redacted]');
    expect(error.stack).not.toContain(SIG);
  });

  it('a writer redacts every line it is given', () => {
    const written: string[] = [];
    redactingWriter((text) => written.push(text))(`x //h?sig=${SIG}\n`);
    expect(written).toEqual(['x //h?[redacted]\n']);
  });
});

describe('names are data in redacted copies (issue 16 item 5)', () => {
  it('a "__proto__" key of a parsed answer stays an own data key of the copy; no prototype is changed', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"constructor":"x","name":"n"}') as Record<string, unknown>;
    const copy = redactValue(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(Object.keys(copy)).toEqual(['__proto__', 'constructor', 'name']);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(copy))).toEqual(parsed);
  });

  it('the log replacer keeps a "__proto__" key beside a key it redacts', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"https://x.example/a?X-Amz-Signature=abc":1}') as object;
    const text = JSON.stringify(parsed, jsonRedactor());
    expect(text).toContain('"__proto__":{"polluted":true}');
    expect(text).not.toContain('abc');
  });
});
