// Whatever was thrown, as a sentence for people. Worker errors arrive as plain objects (they lose
// their class), so this reads `message` wherever it is.

export function errorMessage(e: unknown): string {
  if (typeof e === 'string') return e || 'Unknown error.';
  if (e && typeof e === 'object' && 'message' in e && typeof e.message === 'string' && e.message) {
    return e.message;
  }
  if (e === null || e === undefined || typeof e === 'object') return 'Unknown error.';
  return String(e);
}
