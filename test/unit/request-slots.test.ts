import { describe, expect, it } from 'vitest';
import { RequestSlots } from '../../functions/reaper/core/request-slots';

describe('RequestSlots', () => {
  it('lets at most `limit` holders in, and the next waiter in order as each leaves', async () => {
    const slots = new RequestSlots(2);
    const order: string[] = [];
    const first = await slots.acquire();
    const second = await slots.acquire();
    const third = slots.acquire().then((release) => (order.push('third'), release));
    const fourth = slots.acquire().then((release) => (order.push('fourth'), release));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    first();
    first(); // a second release of the same slot is ignored
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['third']);
    second();
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['third', 'fourth']);
    (await third)();
    (await fourth)();
    // All free again: two can enter at once.
    await slots.acquire();
    await slots.acquire();
  });
});
