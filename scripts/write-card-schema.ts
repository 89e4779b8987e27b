// Writes docs/model-card.schema.json from the zod card schema (src/inference/model-card.ts).
// Usage: npm run card-schema
import { writeFileSync } from 'node:fs';
import { modelCardJsonSchemaText } from '../src/inference/model-card-json-schema';

writeFileSync('docs/model-card.schema.json', modelCardJsonSchemaText());
console.error('wrote docs/model-card.schema.json');
