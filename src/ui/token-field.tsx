// Bearer token for DICOMweb servers that want one: held in memory only (src/viewer/dicomweb-token.ts).

import { useState } from 'react';
import { setDicomWebToken } from '../viewer/dicomweb-token';

export function TokenField() {
  const [value, setValue] = useState('');
  return (
    <input
      type="password"
      className="token-input"
      data-testid="dicomweb-token"
      placeholder="DICOMweb token"
      aria-label="DICOMweb bearer token (kept in memory only)"
      title="Bearer token for a DICOMweb server; kept in memory only, never saved"
      autoComplete="off"
      value={value}
      onChange={(e) => {
        setValue(e.target.value);
        setDicomWebToken(e.target.value);
      }}
    />
  );
}
