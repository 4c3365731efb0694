import { describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '#ops/stack-outputs';
import { synthReaper } from './support/synth-reaper';

describe('the outputs the ops CLI reads from cdk-outputs.json', () => {
  it('are all outputs of the stack', () => {
    const outputs = Object.keys(synthReaper().template.toJSON().Outputs);
    expect(outputs).toEqual(expect.arrayContaining(Object.values(STACK_OUTPUTS).map((o) => o.output)));
  });
});
