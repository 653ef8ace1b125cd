/** Reads a JSON-lines file, naming the line of any malformed entry. */
import { readFile } from 'node:fs/promises';

export class InputFileError extends Error {
  override readonly name = 'InputFileError';
}

export async function readJsonLines(path: string): Promise<{ line: number; value: unknown }[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const rows: { line: number; value: unknown }[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    try {
      rows.push({ line: index + 1, value: JSON.parse(raw) });
    } catch {
      throw new InputFileError(`${path}:${index + 1}: not valid JSON`);
    }
  }
  return rows;
}
