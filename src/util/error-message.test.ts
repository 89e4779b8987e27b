import { describe, expect, it } from 'vitest';
import { errorMessage } from './error-message';

describe('errorMessage', () => {
  it('reads a message from errors, worker-copied objects and strings', () => {
    expect(errorMessage(new TypeError('bad input'))).toBe('bad input');
    expect(errorMessage({ message: 'from the worker' })).toBe('from the worker');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage({})).toBe('Unknown error.');
    expect(errorMessage(undefined)).toBe('Unknown error.');
    expect(errorMessage(new Error(''))).toBe('Unknown error.');
  });
});
