import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { factoryExpression, THREADED_FACTORY_FILE, withSelfContainedToString } from './wasm-thread-factory';

const FILE = path.resolve(import.meta.dirname, '../../node_modules/@tensorflow', THREADED_FACTORY_FILE);

describe('threaded wasm factory kept runnable from its text', () => {
  const code = readFileSync(FILE, 'utf8');

  it('the factory expression, evaluated alone (as in a pthread worker Blob), is the factory', () => {
    const expr = factoryExpression(code);
    expect(expr.startsWith('(() => {')).toBe(true);
    // what tfjs puts in the Blob: `var WasmBackendModuleThreadedSimd = ` + factory.toString()
    const factory = new Function(
      `var WasmBackendModuleThreadedSimd = ${expr}; return WasmBackendModuleThreadedSimd;`,
    )();
    expect(typeof factory).toBe('function');
  });

  it('the transformed module exports a factory whose toString is that expression', () => {
    const module = { exports: {} as unknown };
    new Function('module', 'exports', withSelfContainedToString(code))(module, module.exports);
    const factory = module.exports as () => unknown;
    expect(typeof factory).toBe('function');
    expect(factory.toString()).toBe(factoryExpression(code));
  });

  it('refuses a layout it does not know (a tfjs upgrade) instead of shipping a broken build', () => {
    expect(() => factoryExpression('module.exports = function () {};')).toThrow(/unexpected layout/);
  });
});
