// How bytes become input values: a range (0..255 onto [min, max]) or mean/std (after a scale).

import type { DraftNormalization } from '../../inference/onnx-import/card-draft';
import { IMAGENET } from '../../inference/onnx-import/card-draft';
import { numberOrNull } from './use-draft';

type Triple = [number, number, number];

function TripleInput({
  label,
  value,
  onChange,
}: {
  label: string;
  value: Triple;
  onChange(v: Triple): void;
}) {
  return (
    <label>
      {label}
      <input
        aria-label={label}
        defaultValue={value.join(', ')}
        onChange={(e) => {
          const v = e.target.value
            .split(/[\s,]+/)
            .filter(Boolean)
            .map(Number);
          if (v.length === 3 && v.every(Number.isFinite)) onChange(v as Triple);
        }}
      />
    </label>
  );
}

export function NormalizationField({
  input,
  value,
  onChange,
}: {
  input: string;
  value: DraftNormalization;
  onChange(n: DraftNormalization): void;
}) {
  return (
    <div className="onnx-normalization">
      <label>
        Normalisation
        <select
          aria-label={`Normalisation of ${input}`}
          value={value.kind}
          onChange={(e) =>
            onChange(e.target.value === 'range' ? { kind: 'range', min: 0, max: 1 } : IMAGENET)
          }
        >
          <option value="range">range (bytes onto min..max)</option>
          <option value="meanStd">mean / std</option>
        </select>
      </label>
      {value.kind === 'range' ? (
        <>
          <label>
            min
            <input
              aria-label={`Range min of ${input}`}
              type="number"
              step="any"
              defaultValue={value.min}
              onChange={(e) => onChange({ ...value, min: numberOrNull(e.target.value) ?? value.min })}
            />
          </label>
          <label>
            max
            <input
              aria-label={`Range max of ${input}`}
              type="number"
              step="any"
              defaultValue={value.max}
              onChange={(e) => onChange({ ...value, max: numberOrNull(e.target.value) ?? value.max })}
            />
          </label>
        </>
      ) : (
        <>
          <label>
            scale
            <input
              aria-label={`Scale of ${input}`}
              type="number"
              step="any"
              defaultValue={value.scale}
              onChange={(e) => onChange({ ...value, scale: numberOrNull(e.target.value) ?? value.scale })}
            />
          </label>
          <TripleInput
            label={`Mean of ${input}`}
            value={value.mean}
            onChange={(mean) => onChange({ ...value, mean })}
          />
          <TripleInput
            label={`Std of ${input}`}
            value={value.std}
            onChange={(std) => onChange({ ...value, std })}
          />
        </>
      )}
    </div>
  );
}
