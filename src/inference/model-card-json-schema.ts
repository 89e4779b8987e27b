// The card schema (version 2) as JSON Schema, for editors and other tools: committed as
// docs/model-card.schema.json by `npm run card-schema`; a unit test fails when it is stale.

import { z } from 'zod';
import { modelCardV2Schema } from './model-card';

export function modelCardJsonSchema(): Record<string, unknown> {
  // io 'input': what a card file may contain (fields with defaults are optional there)
  const schema = z.toJSONSchema(modelCardV2Schema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  const properties = { $schema: { type: 'string' }, ...(schema.properties as Record<string, unknown>) };
  return {
    $id: 'https://mrn-viewer.invalid/model-card.schema.json',
    title: 'MRN Viewer model card (card.json), version 2',
    description:
      'Beside model.json in every model folder. Version 1 cards (single output, scale/mean/std normalisation) are still accepted and read as version 2.',
    ...schema,
    properties,
  };
}

export function modelCardJsonSchemaText(): string {
  return `${JSON.stringify(modelCardJsonSchema(), null, 2)}\n`;
}
