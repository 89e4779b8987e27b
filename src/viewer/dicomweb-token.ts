// The DICOMweb bearer token typed into the UI: kept in this module's memory only (never in the
// URL, storage or the store), and handed to the slide worker when a slide opens.

let token: string | null = null;

export function setDicomWebToken(value: string | null): void {
  token = value?.trim() || null;
}

export function dicomWebToken(): string | null {
  return token;
}
