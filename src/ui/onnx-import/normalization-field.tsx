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

/** One number of the normalisation; text that is not a number leaves the value as it was. */
function NumberField({
  label,
  aria,
  value,
  set,
}: {
  label: string;
  aria: string;
  value: number;
  set(v: number): void;
}) {
  return (
    <label>
      {label}
      <input
        aria-label={aria}
        type="number"
        step="any"
        defaultValue={value}
        onChange={(e) => {
          const v = numberOrNull(e.target.value);
          if (v !== null) set(v);
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
          <NumberField
            label="min"
            aria={`Range min of ${input}`}
            value={value.min}
            set={(min) => onChange({ ...value, min })}
          />
          <NumberField
            label="max"
            aria={`Range max of ${input}`}
            value={value.max}
            set={(max) => onChange({ ...value, max })}
          />
        </>
      ) : (
        <>
          <NumberField
            label="scale"
            aria={`Scale of ${input}`}
            value={value.scale}
            set={(scale) => onChange({ ...value, scale })}
          />
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
