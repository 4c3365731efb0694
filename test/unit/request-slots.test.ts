import { describe, expect, it } from 'vitest';
import { RequestSlots } from '#reaper/core/request-slots';

describe('RequestSlots', () => {
  it('lets at most `limit` holders in, and the next waiter in order as each leaves', async () => {
    const slots = new RequestSlots(2);
    const order: string[] = [];
    const first = await slots.acquire();
    const second = await slots.acquire();
    const inOrder = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const third = slots.acquire().then(inOrder('third'));
    const fourth = slots.acquire().then(inOrder('fourth'));
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

describe('RequestSlots shared by projects', () => {
  it('gives no project more than its share, and lets another project in while one waits at its share', async () => {
    const slots = new RequestSlots(4, 2);
    const slowA = await slots.acquire('slow');
    const slowB = await slots.acquire('slow');
    let slowThirdIn = false;
    const slowThird = slots.acquire('slow').then((release) => {
      slowThirdIn = true;
      return release;
    });
    // The slow project is at its share: the fast one still gets the other two slots at once.
    const fastA = await slots.acquire('fast');
    const fastB = await slots.acquire('fast');
    await new Promise((r) => setTimeout(r, 5));
    expect(slowThirdIn).toBe(false);
    fastA();
    await new Promise((r) => setTimeout(r, 5));
    // A fast slot freed does not let the slow project past its share.
    expect(slowThirdIn).toBe(false);
    slowA();
    await new Promise((r) => setTimeout(r, 5));
    expect(slowThirdIn).toBe(true);
    slowB();
    fastB();
    (await slowThird)();
  });

  it('takes turns between projects that wait for the global limit', async () => {
    const slots = new RequestSlots(1, 1);
    const first = await slots.acquire('a');
    const order: string[] = [];
    // Each holder gives its slot back at once, so the order of grants shows the turns.
    const waiters = ['a', 'a', 'b', 'b'].map((project) =>
      slots.acquire(project).then((release) => {
        order.push(project);
        setTimeout(release, 1);
      }),
    );
    first();
    await Promise.all(waiters);
    expect(order).toEqual(['a', 'b', 'a', 'b']);
  });
});
