import { describe, expect, it } from 'vitest';
import { dawnSaid, exitWords, lastLines, torchOutcome, webgpuOutcome } from './step-outcome';

// stderr of the WebGPU step on Debian 12's lavapipe (Mesa 22.3), as Dawn printed it
const OLD_LAVAPIPE = `error: XDG_RUNTIME_DIR is invalid or not set in the environment.
Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.
 - While initializing adapter (backend=BackendType::Vulkan)
    at InitializeImpl (third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)
`;
const NOTICE = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16\n';

describe('GPU pack step outcomes', () => {
  it("keeps Dawn's reasons and drops its notices and the loader's noise", () => {
    expect(dawnSaid(NOTICE + OLD_LAVAPIPE)).toBe(
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. |  - While initializing adapter (backend=BackendType::Vulkan)',
    );
    expect(dawnSaid(NOTICE)).toBe('');
    expect(lastLines('a\n\nb\nerror: XDG_RUNTIME_DIR is invalid\nc\n', 2)).toBe('b | c');
  });

  it('names timeouts and signals', () => {
    expect(exitWords('124')).toBe('a timeout (124)');
    expect(exitWords('139')).toBe('code 139 (signal 11)');
    expect(exitWords('1')).toBe('code 1');
  });

  it('says why WebGPU has no result, in the order run.sh decides', () => {
    const log = OLD_LAVAPIPE;
    expect(webgpuOutcome({ result: null, verdict: null, rc: null, log })).toEqual({
      ok: false,
      reason: 'the Vulkan check did not run',
    });
    expect(
      webgpuOutcome({ result: null, verdict: { ok: false, reason: 'no Vulkan ICD: …' }, rc: null, log: '' })
        .reason,
    ).toBe('not run: no Vulkan ICD: …');
    const crashed = webgpuOutcome({ result: null, verdict: { ok: true, driver: 'nvidia' }, rc: '139', log });
    expect(crashed.reason).toMatch(/^the WebGPU run exited with code 139 \(signal 11\) and wrote no result/);
    expect(crashed.reason).toMatch(/PhysicalDeviceVk\.cpp:257/);
    // a result without an adapter gets Dawn's own words appended
    const none = webgpuOutcome({
      result: { ok: false, reason: 'no WebGPU adapter', dawnOptions: [], tfjs: '4.22.0', models: [] },
      verdict: { ok: true, driver: 'lavapipe' },
      rc: '0',
      log,
    });
    expect(none.reason).toBe(
      'no WebGPU adapter. Dawn said: Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. |  - While initializing adapter (backend=BackendType::Vulkan)',
    );
    // cut short after some tiles: the rows measured so far stay, and the report says so
    const partial = {
      ok: true,
      dawnOptions: [],
      tfjs: '4.22.0',
      models: [{ id: 'unet', parity: null, tiles: [] }],
    };
    const cut = webgpuOutcome({ result: null, partial, verdict: { ok: true }, rc: '124', log });
    expect(cut).toMatchObject({ ok: true, models: partial.models });
    expect((cut as { incomplete?: string }).incomplete).toMatch(/a timeout \(124\) before it finished/);
    const ok = { ok: true, dawnOptions: [], tfjs: '4.22.0', models: [] };
    expect(webgpuOutcome({ result: ok, verdict: { ok: true }, rc: '0', log })).toBe(ok);
  });

  it('says why PyTorch has no result', () => {
    expect(
      torchOutcome({ result: null, rc: '1', log: 'Traceback\nModuleNotFoundError: No module named torch\n' }),
    ).toEqual({
      error:
        'PyTorch exited with code 1 and wrote no result; its last log lines: Traceback | ModuleNotFoundError: No module named torch',
    });
    expect(torchOutcome({ result: null, rc: null, log: '' })).toMatchObject({
      error: expect.stringMatching(/^PyTorch did not run/),
    });
  });
});
