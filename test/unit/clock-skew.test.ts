import { describe, expect, it } from 'vitest';
import { clockSkewRefusal, leastSkewMs, refusedSkewMs } from '#ops/kit/clock-skew';

const second = (s: number) => s * 1000;

describe('leastSkewMs: the smallest skew one Date header allows', () => {
  it.each([
    // The header cuts the server's clock to the second: a right clock reads up to 999 ms "ahead" of it, which is 0 skew.
    [
      'a right clock, the answer within the same second',
      { dateHeaderMs: second(100), sentAtMs: second(100) + 300, receivedAtMs: second(100) + 900 },
      0,
    ],
    [
      'a right clock, the answer crossing a second',
      { dateHeaderMs: second(100), sentAtMs: second(100) + 990, receivedAtMs: second(101) + 40 },
      0,
    ],
    ['a right clock, a slow answer', { dateHeaderMs: second(100), sentAtMs: second(99) + 200, receivedAtMs: second(103) }, 0],
    [
      'a clock 2 minutes fast',
      { dateHeaderMs: second(100), sentAtMs: second(220) + 500, receivedAtMs: second(220) + 600 },
      second(119) + 500,
    ],
    [
      'a clock 2 minutes slow',
      { dateHeaderMs: second(100), sentAtMs: second(-20) + 500, receivedAtMs: second(-20) + 600 },
      -(second(120) - 600),
    ],
  ])('%s', (_name, reading, skew) => {
    expect(leastSkewMs(reading)).toBe(skew);
  });
});

describe('refusedSkewMs: the larger of 2 s and a quarter of the grace, never more than 60 s', () => {
  it.each([
    [0, 2_000],
    [4, 2_000],
    [60, 15_000],
    [240, 60_000],
    // Issue 16 item 9: a long grace must not let a clock hours off through (claims last at most 15 min).
    [600, 60_000],
    [604_800, 60_000],
  ])('grace %i s → %i ms', (grace, limit) => {
    expect(refusedSkewMs(grace)).toBe(limit);
  });
});

describe('clockSkewRefusal: the skew it names is a lower bound, rounded down', () => {
  it('119.96 s is "at least 119.9 s", never the 120.0 s rounding up would claim', () => {
    expect(clockSkewRefusal(-119_960, 60)).toMatch(/^this machine's clock is at least 119\.9 s behind AWS's .* allows 15\.0 s/);
    expect(clockSkewRefusal(119_960, 60)).toMatch(/at least 119\.9 s ahead of AWS's/);
    expect(clockSkewRefusal(120_000, 60)).toMatch(/at least 120\.0 s ahead of AWS's/);
  });
});
