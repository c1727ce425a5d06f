import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ApiInstance } from '../validation.js';

const exampleMappingSchema = z.object({
  name: z.string().meta({ description: 'File name of the example, such as sap-open-items.json.' }),
  description: z.string().nullable(),
  mapping: z.unknown().meta({ description: 'The column mapping, to send as the "mapping" field of POST /imports/csv.' }),
});

/** Reads the example column mappings shipped in `dir`, by file name. */
export async function readExampleMappings(dir: string): Promise<z.output<typeof exampleMappingSchema>[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const mappings = [];
  for (const name of names) {
    const mapping: unknown = JSON.parse(await readFile(join(dir, name), 'utf8'));
    const description = (mapping as { description?: unknown }).description;
    mappings.push({ name, description: typeof description === 'string' ? description : null, mapping });
  }
  return mappings;
}

/** Registers `GET /import-mappings`: the example mappings of examples/mappings, to start a CSV import from. */
export async function registerMappingRoutes(app: ApiInstance, dir: string): Promise<void> {
  app.get(
    '/import-mappings',
    {
      schema: {
        tags: ['imports'],
        summary: 'Example column mappings for CSV and XLSX imports',
        response: { 200: z.object({ mappings: z.array(exampleMappingSchema) }) },
      },
    },
    async () => ({ mappings: await readExampleMappings(dir) }),
  );
}
